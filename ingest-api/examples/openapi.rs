//! Prints the API's OpenAPI document, as `GET /openapi.json` serves it, without starting the API
//! (no MySQL or Redis needed): `cargo run -q -p ingest-api --example openapi > openapi.json`.

fn main() {
    let document = ingest_api::openapi::document()
        .to_pretty_json()
        .expect("the document serializes");
    println!("{document}");
}
