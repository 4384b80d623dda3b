//! The machinery behind the one list of entities in `entities.rs`: from that list it makes
//! [`Entity`], the job payload [`Records`], and the way to run code that is generic over the
//! record type for an entity known only at run time ([`Entity::dispatch`], [`Records::dispatch`]).
//!
//! Adding an entity to the list makes every exhaustive `match` on `Entity` elsewhere fail to
//! compile until it is handled, and makes everything generic pick the entity up.

use crate::record::Record;

/// What the registry knows of a record type: its entity, and how its records travel in a job.
/// Implemented by the registry for each record type it lists.
pub trait Registered: Sized {
    const ENTITY: Entity;

    fn into_records(records: Vec<Self>) -> Records;
}

/// Code to run with the record type of an entity.
pub trait EntityVisitor {
    type Output;

    fn visit<R: Record>(self) -> Self::Output;
}

/// Code to run with the records of a job, typed.
pub trait RecordsVisitor<'r> {
    type Output;

    fn visit<R: Record>(self, records: &'r [R]) -> Self::Output;
}

macro_rules! registry {
    ($( $variant:ident($name:literal) => $record:ty ),+ $(,)?) => {
        /// An entity dis-sync mirrors: one ERP table, one MySQL table, one kind of run. Ordered as
        /// listed.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
        )]
        pub enum Entity {
            $( #[serde(rename = $name)] $variant ),+
        }

        impl Entity {
            /// Every entity, in the order `--entity all` syncs them.
            pub const ALL: [Entity; [$($name),+].len()] = [$(Entity::$variant),+];

            /// Its name on the wire and in runs; also the name of its MySQL table.
            pub const fn as_str(self) -> &'static str {
                match self { $(Entity::$variant => $name),+ }
            }

            /// Its MySQL table.
            pub const fn table(self) -> &'static str {
                self.as_str()
            }

            /// The audit table a sweep copies the rows it deletes to.
            pub const fn swept_table(self) -> &'static str {
                match self { $(Entity::$variant => concat!($name, "_swept")),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, String> {
                match raw {
                    $($name => Ok(Entity::$variant),)+
                    other => Err(format!(
                        "{other:?} is not an entity; expected one of: {}",
                        [$($name),+].join(", ")
                    )),
                }
            }

            /// Runs `visitor` with this entity's record type.
            pub fn dispatch<V: $crate::registry::EntityVisitor>(self, visitor: V) -> V::Output {
                match self { $(Entity::$variant => visitor.visit::<$record>()),+ }
            }
        }

        /// Parsed records of one entity, as a job carries them: `{"entity": …, "records": […]}`.
        /// Workers only ever see these, never raw input.
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "entity", content = "records")]
        pub enum Records {
            $( #[serde(rename = $name)] $variant(Vec<$record>) ),+
        }

        impl Records {
            pub fn entity(&self) -> Entity {
                match self { $(Records::$variant(_) => Entity::$variant),+ }
            }

            pub fn len(&self) -> usize {
                match self { $(Records::$variant(records) => records.len()),+ }
            }

            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// Runs `visitor` with the records, typed.
            pub fn dispatch<'r, V: $crate::registry::RecordsVisitor<'r>>(
                &'r self,
                visitor: V,
            ) -> V::Output {
                match self { $(Records::$variant(records) => visitor.visit(records)),+ }
            }
        }

        $(
            impl $crate::registry::Registered for $record {
                const ENTITY: Entity = Entity::$variant;

                fn into_records(records: Vec<Self>) -> Records {
                    Records::$variant(records)
                }
            }
        )+
    };
}
pub(crate) use registry;

pub use crate::entities::{Entity, Records};

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Entity {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

/// Its name, one of the list's (written by hand: utoipa's derive does not see the names the
/// registry's macro gives the variants).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Entity {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Entity::ALL.map(Entity::as_str)))
            .description(Some(
                "An entity dis-sync mirrors: one ERP table, one MySQL table, one kind of run",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Entity {}

/// Stored as text in `sync_runs` and `rejected_records`; read back through this.
impl TryFrom<String> for Entity {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}
