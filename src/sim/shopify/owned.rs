//! Objects built for one answer: mutation payloads and small value objects (`PageInfo`,
//! `MoneyBag`, `Count`, `Shop`, …), with their fields in the order they were added.

use serde_json::Value;

/// An object built for one answer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Owned {
    pub ty: &'static str,
    pub fields: Vec<(&'static str, OVal)>,
}

/// A field value of an [`Owned`] object.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum OVal {
    Null,
    Leaf(Value),
    Obj(Owned),
    List(Vec<OVal>),
}

impl Owned {
    pub fn new(ty: &'static str) -> Self {
        Self {
            ty,
            fields: Vec::new(),
        }
    }

    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<OVal>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// The value of field `name` (`Null` when not set).
    pub(crate) fn get(&self, name: &str) -> OVal {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(OVal::Null, |(_, v)| v.clone())
    }
}

impl From<Value> for OVal {
    fn from(value: Value) -> Self {
        if value.is_null() {
            Self::Null
        } else {
            Self::Leaf(value)
        }
    }
}

impl From<Owned> for OVal {
    fn from(value: Owned) -> Self {
        Self::Obj(value)
    }
}

impl From<Option<Owned>> for OVal {
    fn from(value: Option<Owned>) -> Self {
        value.map_or(Self::Null, Self::Obj)
    }
}

impl From<Vec<Owned>> for OVal {
    fn from(value: Vec<Owned>) -> Self {
        Self::List(value.into_iter().map(Self::Obj).collect())
    }
}

/// An owned object as JSON (key order lost), for the test handle.
pub(crate) fn owned_json(owned: &Owned) -> Value {
    Value::Object(
        owned
            .fields
            .iter()
            .map(|(name, value)| ((*name).to_owned(), oval_json(value)))
            .collect(),
    )
}

fn oval_json(value: &OVal) -> Value {
    match value {
        OVal::Null => Value::Null,
        OVal::Leaf(v) => v.clone(),
        OVal::Obj(o) => owned_json(o),
        OVal::List(items) => Value::Array(items.iter().map(oval_json).collect()),
    }
}
