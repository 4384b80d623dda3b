//! Jobs are decoded without the business rules: the API ran them on the way in, and Redis is
//! inside the system's boundary. Only the shape and the types are checked.

use records::job::ApplyBatch;

fn job_with_email(email: &str) -> String {
    format!(
        r#"{{"run_id":1,"run_nonce":"n","mode":"full","batch_seq":1,"chunk":0,"indices":[0],
        "records":{{"entity":"influencers","records":[{{"erp_id":7,"name":"A","handle":"@a",
        "email":"{email}","phone":null,"platform":"instagram","followers":1,"document":"123",
        "city":"X","state":"SP","status":"active","source_updated_at":"2026-01-01T00:00:00Z"}}]}}}}"#
    )
}

#[test]
fn a_job_record_is_decoded_without_running_the_business_rules_again() {
    // An address the API's rules refuse: the worker does not check it again.
    let job: ApplyBatch = serde_json::from_str(&job_with_email("not an address")).unwrap();
    assert_eq!(job.records.len(), 1);
}

#[test]
fn a_job_record_of_the_wrong_type_does_not_decode() {
    let text = job_with_email("a@b.example").replace(r#""followers":1"#, r#""followers":"many""#);
    assert!(serde_json::from_str::<ApplyBatch>(&text).is_err());
}

#[test]
fn a_job_carries_each_record_as_a_row_and_still_reads_jobs_with_objects() {
    let with_object: ApplyBatch = serde_json::from_str(&job_with_email("a@b.example")).unwrap();
    let written = serde_json::to_string(&with_object).unwrap();
    assert!(
        written.contains(r#""records":[[7,"A","@a","a@b.example",null,"instagram",1,"#),
        "{written}"
    );
    assert!(!written.contains("followers"), "{written}");
    let read_back: ApplyBatch = serde_json::from_str(&written).unwrap();
    assert_eq!(read_back, with_object);
}
