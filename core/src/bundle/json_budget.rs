//! Parsing untrusted JSON (a bundle's `report.json`) into a
//! `serde_json::Value` within a memory budget. A byte cap alone does not
//! bound a JSON tree: `[0,0,0,…]` costs 32 bytes of memory per 2 bytes of
//! text, `[{"":0},…]` a B-tree node of about 600 bytes per 7. Every value is
//! charged what it costs (a generous estimate of its allocations) before it
//! is kept, and parsing stops cleanly when the budget is spent. The text
//! is streamed from a reader, never held whole.
//!
//! Main item: [`parse`], which returns [`Parsed`].

use std::cell::Cell;
use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// What parsing gave.
#[derive(Debug)]
pub enum Parsed {
    /// The document.
    Value(Value),
    /// The document needs more memory than the budget (in bytes).
    OverBudget(usize),
    /// Not JSON (serde_json's reason).
    Invalid(String),
}

// Estimated costs, in bytes, of what a `Value` tree allocates: an array
// slot (growth by doubling included), a map (its first B-tree node), a map
// entry, and the overhead of a heap string.
const SLOT: usize = 96;
const MAP: usize = 768;
const ENTRY: usize = 192;
const STRING: usize = 32;

/// Parses JSON from `reader`, spending at most `budget` bytes on the tree.
pub fn parse(reader: impl Read, budget: usize) -> Parsed {
    let left = Cell::new(budget);
    let over = Cell::new(false);
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    let result = Seed {
        left: &left,
        over: &over,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match result {
        Ok(v) => Parsed::Value(v),
        Err(_) if over.get() => Parsed::OverBudget(budget),
        Err(e) => Parsed::Invalid(e.to_string()),
    }
}

#[derive(Clone, Copy)]
struct Seed<'a> {
    left: &'a Cell<usize>,
    over: &'a Cell<bool>,
}

impl Seed<'_> {
    fn charge<E: de::Error>(self, n: usize) -> Result<(), E> {
        match self.left.get().checked_sub(n) {
            Some(rest) => {
                self.left.set(rest);
                Ok(())
            }
            None => {
                self.over.set(true);
                Err(E::custom("over the memory budget"))
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.charge::<E>(v.len() + STRING)?;
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.charge::<E>(v.len() + STRING)?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            self.charge::<A::Error>(SLOT)?;
            match seq.next_element_seed(self)? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.charge::<A::Error>(MAP)?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.charge::<A::Error>(key.len() + STRING + ENTRY)?;
            let v = map.next_value_seed(self)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_within_the_budget_parse_and_others_stop() {
        let doc = br#"{"a": [1, 2.5, "x", null, true, {"b": -3}], "c": "\u00f1"}"#;
        match parse(&doc[..], 1 << 20) {
            Parsed::Value(v) => {
                assert_eq!(v, serde_json::from_slice::<Value>(doc).unwrap());
            }
            other => panic!("{other:?}"),
        }
        let zeros = format!("[{}0]", "0,".repeat(100_000));
        assert!(matches!(
            parse(zeros.as_bytes(), 1 << 20),
            Parsed::OverBudget(_)
        ));
        let maps = format!("[{}{{}}]", r#"{"":0},"#.repeat(10_000));
        assert!(matches!(
            parse(maps.as_bytes(), 1 << 20),
            Parsed::OverBudget(_)
        ));
        assert!(matches!(parse(&b"[1, 2"[..], 1 << 20), Parsed::Invalid(_)));
        assert!(matches!(parse(&b"{} x"[..], 1 << 20), Parsed::Invalid(_)));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            parse(deep.as_bytes(), 1 << 30),
            Parsed::Invalid(_)
        ));
    }
}
