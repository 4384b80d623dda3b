//! How a job carries a record: its wire form as a row, a JSON array of its fields in the wire
//! struct's order, rather than an object that names every field again in every record.
//!
//! The names were about half of a job's bytes, and every byte of a job is paid several times:
//! the API writes it, Redis hashes it into its Lua interpreter on the push and again on the
//! fetch (every string a script touches is interned, and hashed byte by byte), and the worker
//! reads it. Reading needs nothing of its own: serde's derived `Deserialize` of a struct takes an
//! array of its fields in order as well as an object, so a job pushed before this change, with
//! objects, is still read.

use serde::ser::{Error, Impossible, Serialize, SerializeStruct, SerializeTuple, Serializer};

/// `wire`, a struct, serialized as the array of its fields in order.
pub struct AsRow<'a, W>(pub &'a W);

impl<W: Serialize> Serialize for AsRow<'_, W> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(RowSerializer(serializer))
    }
}

/// Takes a struct and hands its fields to the inner serializer as the elements of a tuple.
struct RowSerializer<S>(S);

/// The fields of the struct being written, as elements.
struct Row<T>(T);

impl<T: SerializeTuple> SerializeStruct for Row<T> {
    type Ok = T::Ok;
    type Error = T::Error;

    fn serialize_field<V: ?Sized + Serialize>(
        &mut self,
        _name: &'static str,
        value: &V,
    ) -> Result<(), T::Error> {
        self.0.serialize_element(value)
    }

    // A field left out would move every later one: it is written as null (every wire field is
    // an `Option`).
    fn skip_field(&mut self, _name: &'static str) -> Result<(), T::Error> {
        self.0.serialize_element(&None::<()>)
    }

    fn end(self) -> Result<T::Ok, T::Error> {
        self.0.end()
    }
}

fn not_a_struct<E: Error>() -> E {
    E::custom("only a struct is written as a row")
}

/// The methods of the values a row cannot be made of.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<S::Ok, S::Error> {
            Err(not_a_struct())
        })*
    };
}

impl<S: Serializer> Serializer for RowSerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = Row<S::SerializeTuple>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_tuple(len).map(Row)
    }

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Err(not_a_struct())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(not_a_struct())
    }
}
