//! Deserializing maps that reject a key given twice.
//!
//! A JSON object with a repeated key is ambiguous: serde's map types keep the last value, so
//! `{"Read": "User", "Read": "Organization"}` silently means Organization. Struct fields already
//! reject repeats (serde's derive); the maps of a model use these functions instead, which fail
//! with an error naming the key. Keys compare after parsing, so two spellings of one key
//! (`"Read"` and `"read"`, both [`Privilege::READ`](crate::Privilege::READ)) are a repeat too.

use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;

use indexmap::IndexMap;
use serde::de::{DeserializeSeed, Error, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A role's `privileges`: table → (privileges → level), with no table and no privilege set
/// given twice. The error names the JSON path: the table key, and for a repeated privilege key
/// the privileges.
pub(crate) fn deserialize_nested<'de, D, K2, V>(
    deserializer: D,
) -> Result<IndexMap<String, IndexMap<K2, V>>, D::Error>
where
    D: Deserializer<'de>,
    K2: Deserialize<'de> + Eq + Hash + fmt::Debug + fmt::Display,
    V: Deserialize<'de>,
{
    struct Outer<K2, V>(PhantomData<(K2, V)>);

    impl<'de, K2, V> Visitor<'de> for Outer<K2, V>
    where
        K2: Deserialize<'de> + Eq + Hash + fmt::Debug + fmt::Display,
        V: Deserialize<'de>,
    {
        type Value = IndexMap<String, IndexMap<K2, V>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map from table id to a map of privileges to levels")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut map = IndexMap::with_capacity(access.size_hint().unwrap_or(0).min(1024));
            while let Some(table) = access.next_key::<String>()? {
                if map.contains_key(&table) {
                    return Err(A::Error::custom(format_args!(
                        "duplicate key `{table}` in `privileges`"
                    )));
                }
                let inner = access.next_value_seed(Inner::<K2, V>(table.clone(), PhantomData))?;
                map.insert(table, inner);
            }
            Ok(map)
        }
    }

    /// One table's map, knowing the table for the error.
    struct Inner<K2, V>(String, PhantomData<(K2, V)>);

    impl<'de, K2, V> DeserializeSeed<'de> for Inner<K2, V>
    where
        K2: Deserialize<'de> + Eq + Hash + fmt::Debug + fmt::Display,
        V: Deserialize<'de>,
    {
        type Value = IndexMap<K2, V>;

        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_map(self)
        }
    }

    impl<'de, K2, V> Visitor<'de> for Inner<K2, V>
    where
        K2: Deserialize<'de> + Eq + Hash + fmt::Debug + fmt::Display,
        V: Deserialize<'de>,
    {
        type Value = IndexMap<K2, V>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map from privileges to an access level")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut map = IndexMap::with_capacity(access.size_hint().unwrap_or(0).min(64));
            while let Some(key) = access.next_key::<K2>()? {
                if map.contains_key(&key) {
                    return Err(A::Error::custom(format_args!(
                        "duplicate key `{key}` in `privileges.{}` (keys compare after parsing, so `Read` and `read` are one key)",
                        self.0
                    )));
                }
                let value = access.next_value::<V>()?;
                map.insert(key, value);
            }
            Ok(map)
        }
    }

    deserializer.deserialize_map(Outer::<K2, V>(PhantomData))
}

/// A flat map of names (a role's `misc_privileges`) with no key given twice, also not in
/// another case: names of miscellaneous privileges compare case-insensitively.
pub(crate) fn deserialize_names<'de, D, V>(deserializer: D) -> Result<IndexMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Names<V>(PhantomData<V>);

    impl<'de, V: Deserialize<'de>> Visitor<'de> for Names<V> {
        type Value = IndexMap<String, V>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map from privilege name to an access level")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut map: IndexMap<String, V> =
                IndexMap::with_capacity(access.size_hint().unwrap_or(0).min(1024));
            let mut seen = std::collections::HashSet::new();
            while let Some(name) = access.next_key::<String>()? {
                if !seen.insert(name.to_lowercase()) {
                    return Err(A::Error::custom(format_args!(
                        "duplicate key `{name}` in `misc_privileges` (names compare without case)"
                    )));
                }
                let value = access.next_value::<V>()?;
                map.insert(name, value);
            }
            Ok(map)
        }
    }

    deserializer.deserialize_map(Names::<V>(PhantomData))
}
