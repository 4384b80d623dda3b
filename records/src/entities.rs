//! The entities dis-sync mirrors, each listed once: its variant, its name (on the wire, in runs,
//! and as its MySQL table), and its record type.
//!
//! The order is the order `--entity all` syncs them in: contracts name their influencer and their
//! campaign, so they come after both.

use crate::campaign::Campaign;
use crate::contract::Contract;
use crate::influencer::Influencer;
use crate::registry::registry;

registry! {
    Influencers("influencers") => Influencer,
    Campaigns("campaigns") => Campaign,
    Contracts("contracts") => Contract,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{field_names, Record, KEY_FIELD, TIMESTAMP_FIELD};
    use crate::registry::EntityVisitor;

    /// The columns of `R` name exactly the fields of its wire form, in the wire's order.
    struct ColumnsMatchTheWire;

    impl EntityVisitor for ColumnsMatchTheWire {
        type Output = Result<(), String>;

        fn visit<R: Record>(self) -> Self::Output {
            let wire = serde_json::to_string(&R::Wire::default()).map_err(|e| e.to_string())?;
            let names = field_names::<R>();
            if names.first() != Some(&KEY_FIELD) || names.last() != Some(&TIMESTAMP_FIELD) {
                return Err(format!(
                    "{names:?} must start with the key and end with the timestamp"
                ));
            }
            let positions: Vec<Option<usize>> = names
                .iter()
                .map(|name| wire.find(&format!("\"{name}\":")))
                .collect();
            let keys = wire.matches("\":").count();
            if positions.iter().any(Option::is_none) || keys != names.len() {
                return Err(format!("{names:?} do not name the fields of {wire}"));
            }
            if !positions.windows(2).all(|pair| pair[0] < pair[1]) {
                return Err(format!("{names:?} are not in the order of {wire}"));
            }
            Ok(())
        }
    }

    #[test]
    fn every_entity_declares_its_columns_in_the_order_of_its_wire_form() {
        for entity in Entity::ALL {
            entity
                .dispatch(ColumnsMatchTheWire)
                .unwrap_or_else(|e| panic!("{entity}: {e}"));
        }
    }

    #[test]
    fn entities_round_trip_through_their_names_and_list_every_name_when_unknown() {
        for entity in Entity::ALL {
            assert_eq!(Entity::parse(entity.as_str()), Ok(entity));
            let json = serde_json::to_string(&entity).unwrap();
            assert_eq!(json, format!("\"{entity}\""));
        }
        let error = Entity::parse("pets").unwrap_err();
        let names: Vec<&str> = Entity::ALL.iter().map(|e| e.as_str()).collect();
        assert!(error.contains(&names.join(", ")), "{error}");
        assert_eq!(Entity::Contracts.swept_table(), "contracts_swept");
    }
}
