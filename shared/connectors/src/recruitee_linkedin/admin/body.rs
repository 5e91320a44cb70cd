//! How an [`Action`] is read from an action's name and its JSON body: serde's derive reads
//! the enum, [`Named`] hands it the name as the variant and the body as its fields. So the
//! body is read by the caller's own deserializer (a `serde_path_to_error` one in the admin
//! API, which then names the field at fault).

use super::{ACTIONS, Action, Ttl};
use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Error as _, IgnoredAny, Unexpected,
    VariantAccess, Visitor,
};
use serde::{Deserialize, forward_to_deserialize_any};
use std::fmt;

pub(super) fn action<'de, D: Deserializer<'de>>(name: &str, body: D) -> Result<Action, D::Error> {
    if !ACTIONS.contains(&name) {
        return Err(D::Error::custom(format!(
            "no action {name:?} (actions: {})",
            ACTIONS.join(", ")
        )));
    }
    Action::deserialize(Named { name, body })
}

/// A number, or a string of digits (`"501"`): forms and scripts send either.
pub(super) fn number<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct Number;
    impl Visitor<'_> for Number {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<u64, E> {
            Ok(n)
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<u64, E> {
            u64::try_from(n).map_err(|_| E::invalid_value(Unexpected::Signed(n), &self))
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<u64, E> {
            s.parse()
                .map_err(|_| E::invalid_value(Unexpected::Str(s), &self))
        }
    }
    d.deserialize_any(Number)
}

/// A text; an empty one is none.
pub(super) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// A link's lifetime (`24h`); an empty one is none (the default).
pub(super) fn ttl<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Ttl>, D::Error> {
    text(d)?
        .map(|s| Ttl::parse(&s).map_err(D::Error::custom))
        .transpose()
}

/// The action's name and body, as an enum to deserialize.
struct Named<'n, D> {
    name: &'n str,
    body: D,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Named<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        v.visit_enum(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        v.visit_enum(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

impl<'de, D: Deserializer<'de>> EnumAccess<'de> for Named<'_, D> {
    type Error = D::Error;
    type Variant = Fields<D>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Fields<D>), D::Error> {
        let variant = seed.deserialize(StrDeserializer::<D::Error>::new(self.name))?;
        Ok((variant, Fields(self.body)))
    }
}

/// The body, as the variant's fields.
struct Fields<D>(D);

impl<'de, D: Deserializer<'de>> VariantAccess<'de> for Fields<D> {
    type Error = D::Error;

    /// An action without inputs ignores whatever its body holds.
    fn unit_variant(self) -> Result<(), D::Error> {
        IgnoredAny::deserialize(self.0).map(drop)
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, D::Error> {
        seed.deserialize(self.0)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, v)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct("", fields, v)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ACTIONS, Action, Ttl};
    use serde_json::{Value, json};

    fn read(name: &str, body: Value) -> Result<Action, String> {
        Action::from_body(name, &body).map_err(|e| e.to_string())
    }

    #[test]
    fn every_action_is_read_by_its_name_and_named_back() {
        let body = json!({"team_member": 1, "candidate": 2, "member": "m", "ttl": "2h"});
        for name in ACTIONS {
            assert_eq!(read(name, body.clone()).unwrap().name(), *name);
        }
        assert!(read("delete", json!({})).unwrap_err().contains("no action"));
    }

    #[test]
    fn numbers_may_be_strings_of_digits_and_empty_texts_are_none() {
        let body = json!({"team_member": "501", "title": "", "company": "ACME", "tenant": "x"});
        assert_eq!(
            read("search", body).unwrap(),
            Action::Search {
                team_member: 501,
                title: None,
                company: Some("ACME".into())
            }
        );
        assert_eq!(
            read("onboarding-link", json!({"ttl": ""})).unwrap(),
            Action::OnboardingLink { ttl: None }
        );
        assert_eq!(
            read("onboarding-link", json!({"ttl": "90m"})).unwrap(),
            Action::OnboardingLink {
                ttl: Some(Ttl::parse("90m").unwrap())
            }
        );
    }

    #[test]
    fn a_missing_or_wrong_field_is_refused_by_name() {
        let missing = read("link", json!({})).unwrap_err();
        assert!(missing.contains("`team_member`"), "{missing}");
        for bad in [json!("x1"), json!(-1), json!(1.5), Value::Null] {
            let e = read("unlink", json!({"team_member": bad})).unwrap_err();
            assert!(e.contains("a number"), "{e}");
        }
        let ttl = read("onboarding-link", json!({"ttl": "8d"})).unwrap_err();
        assert!(ttl.contains("at most 7 days"), "{ttl}");
    }
}
