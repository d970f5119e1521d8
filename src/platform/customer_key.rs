//! The text a platform's customer is hashed by ([`CustomerHash::new`]), from the id a
//! merchant or a caller knows them by. The mappers (`shopify/map.rs`,
//! `woocommerce/map.rs`) hash exactly these forms; `forget --customer` and the
//! customer suggestions endpoint take an id and must find the same hash. Webhook bodies
//! are queued with a [`pseudonym`] in place of the id (`webhook_privacy.rs`), which the
//! mappers read back as the hash it carries.
//!
//! [`CustomerHash::new`]: crate::model::CustomerHash::new

use crate::model::{CustomerHash, InstallSalt};

/// The key for customer `id` of a shop on `platform` (`"shopify"`, `"woocommerce"`):
/// Shopify: a numeric id or a `gid://shopify/Customer/…` GID; WooCommerce: a numeric id
/// (registered customers) or a billing email (guests). The error says what was expected.
pub fn customer_key(platform: &str, id: &str) -> Result<String, String> {
    let id = id.trim();
    let numeric = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    match platform {
        "shopify" if numeric => Ok(format!("gid://shopify/Customer/{id}")),
        "shopify" if id.starts_with("gid://shopify/Customer/") => Ok(id.to_owned()),
        "woocommerce" if numeric => Ok(format!("customer:{id}")),
        "woocommerce" if id.contains('@') => Ok(format!("email:{}", id.to_lowercase())),
        "shopify" => Err(format!(
            "{id:?} is not a Shopify customer id (a number, or gid://shopify/Customer/…)"
        )),
        "woocommerce" => Err(format!(
            "{id:?} is not a WooCommerce customer id (a number, or a guest's billing email)"
        )),
        other => Err(format!("unknown platform {other:?}")),
    }
}

/// How a pseudonym ends: a reserved top-level domain (RFC 2606), so no real email
/// address or id ends so, and it fits where a WooCommerce billing email goes.
const PSEUDONYM_DOMAIN: &str = "@hashed.upsell-sync.invalid";

/// A customer's hash in the form `platform::webhook_privacy` writes in place of their
/// id or email in a queued webhook body; [`from_pseudonym`] reads it back.
#[must_use]
pub fn pseudonym(hash: &CustomerHash) -> String {
    format!("{hash}{PSEUDONYM_DOMAIN}")
}

/// The hash a [`pseudonym`] carries; `None` for anything else (a real id or email).
#[must_use]
pub fn from_pseudonym(text: &str) -> Option<CustomerHash> {
    let hex = text.trim().strip_suffix(PSEUDONYM_DOMAIN)?;
    let bytes = <[u8; 16]>::try_from(hex::decode(hex).ok()?).ok()?;
    Some(CustomerHash(bytes))
}

/// The hash of customer `key` as the mappers compute it, or the one a pseudonym
/// carries.
#[must_use]
pub fn customer_hash(salt: &InstallSalt, key: &str) -> CustomerHash {
    from_pseudonym(key).unwrap_or_else(|| CustomerHash::new(salt, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_customer_id_finds_the_hash_the_mappers_give() {
        let salt = InstallSalt([3; 32]);
        let hash = |platform, id| CustomerHash::new(&salt, &customer_key(platform, id).unwrap());
        let shopify = CustomerHash::new(&salt, "gid://shopify/Customer/77");
        assert_eq!(hash("shopify", "77"), shopify);
        assert_eq!(hash("shopify", " gid://shopify/Customer/77 "), shopify);
        let woo = crate::platform::woocommerce::webhook_payload::registered_customer(&salt, 12);
        assert_eq!(hash("woocommerce", "12"), woo);
        let guest = CustomerHash::new(&salt, "email:ann@example.com");
        assert_eq!(hash("woocommerce", "Ann@Example.com"), guest);
    }

    #[test]
    fn a_pseudonym_carries_its_hash_and_nothing_else_reads_as_one() {
        let salt = InstallSalt([3; 32]);
        let hash = CustomerHash::new(&salt, "customer:12");
        assert_eq!(from_pseudonym(&pseudonym(&hash)), Some(hash));
        assert_eq!(customer_hash(&salt, &pseudonym(&hash)), hash);
        assert_eq!(customer_hash(&salt, "customer:12"), hash);
        for other in [
            "ann@example.com",
            "gid://shopify/Customer/1",
            "zz@hashed.upsell-sync.invalid",
        ] {
            assert_eq!(from_pseudonym(other), None, "{other}");
        }
    }

    #[test]
    fn an_id_of_the_wrong_form_is_refused_with_what_was_expected() {
        let error = customer_key("shopify", "ann@example.com").unwrap_err();
        assert!(error.contains("gid://shopify/Customer/"), "{error}");
        let error = customer_key("woocommerce", "gid://shopify/Customer/1").unwrap_err();
        assert!(error.contains("billing email"), "{error}");
    }
}
