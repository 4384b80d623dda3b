//! `--entity`: one entity of the registry, or all of them in the registry's order.

use clap::builder::PossibleValue;
use clap::ValueEnum;
use records::Entity;

/// The entities a `run` sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityChoice {
    One(Entity),
    /// Every entity, in the registry's order: later ones reference earlier ones.
    All,
}

impl EntityChoice {
    pub fn entities(self) -> Vec<Entity> {
        match self {
            Self::One(entity) => vec![entity],
            Self::All => Entity::ALL.to_vec(),
        }
    }
}

impl ValueEnum for EntityChoice {
    fn value_variants<'a>() -> &'a [Self] {
        static CHOICES: std::sync::LazyLock<Vec<EntityChoice>> = std::sync::LazyLock::new(|| {
            let one = Entity::ALL.into_iter().map(EntityChoice::One);
            one.chain([EntityChoice::All]).collect()
        });
        &CHOICES
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            Self::One(entity) => PossibleValue::new(entity.as_str()),
            Self::All => {
                let order: Vec<&str> = Entity::ALL.iter().map(|e| e.as_str()).collect();
                PossibleValue::new("all").help(format!("each in turn: {}", order.join(", ")))
            }
        })
    }
}
