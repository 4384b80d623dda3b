//! Valid records of every entity, as an integrator would post them.

use serde_json::Value;

/// A valid influencer.
pub fn influencer(erp_id: i64, name: &str, updated_at: &str) -> Value {
    serde_json::json!({
        "erp_id": erp_id, "name": name, "handle": format!("@user{erp_id}"), "email": format!("user{erp_id}@example.com.br"),
        "phone": "+55 11 91234-5678", "platform": "instagram", "followers": 1000 + erp_id, "document": "52998224725",
        "city": "São Paulo", "state": "SP", "status": "active", "source_updated_at": updated_at
    })
}

/// A valid contract.
pub fn contract(erp_id: i64, influencer_erp_id: i64, amount: &str) -> Value {
    serde_json::json!({
        "erp_id": erp_id, "influencer_erp_id": influencer_erp_id, "campaign": "Verão Ação", "amount": amount,
        "currency": "BRL", "starts_on": "2026-01-01", "ends_on": "2026-03-31", "status": "active",
        "source_updated_at": "2026-11-27T10:00:00.123456Z"
    })
}

/// Valid influencers with the given keys, all stamped with `updated_at`.
pub fn influencers(keys: impl IntoIterator<Item = i64>, updated_at: &str) -> Vec<Value> {
    keys.into_iter()
        .map(|k| influencer(k, &format!("Pessoa {k}"), updated_at))
        .collect()
}

/// A valid campaign.
pub fn campaign(erp_id: i64, budget: &str, updated_at: &str) -> Value {
    serde_json::json!({
        "erp_id": erp_id, "name": format!("Verão Açaí {erp_id}"), "brand": "Açaí Concept",
        "starts_on": "2026-12-01", "ends_on": "2027-02-28", "budget": budget, "currency": "BRL",
        "status": "planned", "source_updated_at": updated_at
    })
}
