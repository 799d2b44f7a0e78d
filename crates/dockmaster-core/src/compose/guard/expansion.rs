//! Expansion: replays the document through serde without building anything and counts what its aliases
//! would produce, stopping at [`MAX_NODES`] nodes or [`MAX_SCALAR_BYTES`] bytes.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};

use super::{MAX_NODES, MAX_SCALAR_BYTES};

pub(super) struct Budget {
    pub(super) nodes: usize,
    pub(super) bytes: usize,
    pub(super) exceeded: Option<String>,
}

pub(super) struct Count<'b>(pub(super) &'b mut Budget);

impl Count<'_> {
    fn node<E: serde::de::Error>(&mut self, bytes: usize) -> Result<(), E> {
        let b = &mut *self.0;
        b.nodes += 1;
        b.bytes = b.bytes.saturating_add(bytes);
        if b.nodes > MAX_NODES {
            b.exceeded = Some(format!("{MAX_NODES} nodes"));
        } else if b.bytes > MAX_SCALAR_BYTES {
            b.exceeded = Some(format!("{} MiB of text", MAX_SCALAR_BYTES / (1024 * 1024)));
        }
        match b.exceeded {
            Some(_) => Err(E::custom("expansion limit")),
            None => Ok(()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: serde::de::Error>(mut self, _: bool) -> Result<(), E> {
        self.node(0)
    }
    fn visit_i64<E: serde::de::Error>(mut self, _: i64) -> Result<(), E> {
        self.node(0)
    }
    fn visit_u64<E: serde::de::Error>(mut self, _: u64) -> Result<(), E> {
        self.node(0)
    }
    fn visit_f64<E: serde::de::Error>(mut self, _: f64) -> Result<(), E> {
        self.node(0)
    }
    fn visit_str<E: serde::de::Error>(mut self, s: &str) -> Result<(), E> {
        self.node(s.len())
    }
    fn visit_unit<E: serde::de::Error>(mut self) -> Result<(), E> {
        self.node(0)
    }
    fn visit_none<E: serde::de::Error>(mut self) -> Result<(), E> {
        self.node(0)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        self.node(0)?;
        while seq.next_element_seed(Count(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.node(0)?;
        while map.next_key_seed(Count(&mut *self.0))?.is_some() {
            map.next_value_seed(Count(&mut *self.0))?;
        }
        Ok(())
    }
    fn visit_enum<A: EnumAccess<'de>>(mut self, data: A) -> Result<(), A::Error> {
        // A tagged value (`!reset []`): the tag, then the value.
        self.node(0)?;
        let ((), value) = data.variant_seed(Count(&mut *self.0))?;
        value.newtype_variant_seed(Count(&mut *self.0))
    }
}
