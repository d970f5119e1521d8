//! Semantic checks of a parsed config: pure, no I/O (secrets are not read here). Every
//! problem names its key path, and a shop's problems also name the shop.

use std::collections::HashMap;
use std::fmt::Display;

use super::error::Problem;
use super::shop::{PlatformConfig, ShopConfig, ShopifyConfig, WooAuth, WooCommerceConfig};
use super::write::WriteList;
use super::{Config, DaemonConfig};

/// Every problem in `config`, in key order.
pub(super) fn problems(config: &Config) -> Vec<Problem> {
    let mut out = Vec::new();
    daemon(&config.daemon, &mut out);
    if let Err(message) = config.recommender.validate() {
        out.push(Problem::new(recommender_key(&message), message));
    }
    lists("write.lists", "", &config.write.lists, &mut out);
    shops(&config.shops, &mut out);
    out
}

/// The key `Params::validate` names at the start of its message.
fn recommender_key(message: &str) -> String {
    message.find("recommender").map_or_else(
        || "recommender".to_owned(),
        |start| {
            let key: String = message[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            key.trim_end_matches('.').to_owned()
        },
    )
}

/// Collects the problems of one table: `key` gets `prefix.` in front and ` (shop
/// "name")` after it in the message.
struct Table<'a> {
    prefix: &'a str,
    label: String,
    out: &'a mut Vec<Problem>,
}

impl Table<'_> {
    fn problem(&mut self, field: &str, rest: impl Display) {
        let key = format!("{}.{field}", self.prefix);
        let message = format!("{key}{} {rest}", self.label);
        self.out.push(Problem::new(key, message));
    }

    fn at_least<T: Copy + PartialOrd + Display>(&mut self, field: &str, value: T, min: T) {
        if value < min {
            self.problem(field, format_args!("must be at least {min}, got {value}"));
        }
    }
}

fn daemon(d: &DaemonConfig, out: &mut Vec<Problem>) {
    let mut t = Table {
        prefix: "daemon",
        label: String::new(),
        out,
    };
    if d.data_dir.as_os_str().is_empty() {
        t.problem("data_dir", "must not be empty");
    }
    if d.salt_file
        .as_ref()
        .is_some_and(|p| p.as_os_str().is_empty())
    {
        t.problem(
            "salt_file",
            "must not be empty (leave it out for the default)",
        );
    }
    t.at_least("webhook_body_limit_bytes", d.webhook_body_limit_bytes, 1024);
    t.at_least("schedule_minutes", d.schedule_minutes, 1);
    t.at_least("shutdown_timeout_seconds", d.shutdown_timeout_seconds, 1);
}

/// A `lists` value must name each list at most once and not be empty.
fn lists(key: &str, label: &str, lists: &[WriteList], out: &mut Vec<Problem>) {
    if lists.is_empty() {
        out.push(Problem::new(
            key,
            format!("{key}{label} is empty; to write nothing, set mode = \"dry_run\""),
        ));
    }
    for (i, list) in lists.iter().enumerate() {
        if lists[..i].contains(list) {
            out.push(Problem::new(
                key,
                format!("{key}{label} names {list} more than once"),
            ));
        }
    }
}

fn shops(shops: &[ShopConfig], out: &mut Vec<Problem>) {
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut targets: HashMap<String, usize> = HashMap::new();
    for (index, shop) in shops.iter().enumerate() {
        let prefix = format!("shops[{index}]");
        let mut t = Table {
            prefix: &prefix,
            label: format!(" (shop \"{}\")", shop.name),
            out: &mut *out,
        };
        if !is_shop_name(&shop.name) {
            t.problem(
                "name",
                "must be 1 to 64 characters of a-z, 0-9, - and _ (it is used in URLs and store keys)",
            );
        }
        if let Some(first) = names.insert(&shop.name, index) {
            t.problem("name", format_args!("is already used by shops[{first}]"));
        }
        if let Some(minutes) = shop.schedule_minutes {
            t.at_least("schedule_minutes", minutes, 1);
        }
        let target = match &shop.platform {
            PlatformConfig::Shopify(s) => {
                shopify(s, &mut t);
                ("shop_domain", s.shop_domain.to_ascii_lowercase())
            }
            PlatformConfig::WooCommerce(w) => {
                woocommerce(w, &mut t);
                (
                    "base_url",
                    w.base_url.trim_end_matches('/').to_ascii_lowercase(),
                )
            }
        };
        if let Some(first) = targets.insert(target.1, index) {
            t.problem(
                target.0,
                format_args!(
                    "is the same store as shops[{first}]; a store must be configured once"
                ),
            );
        }
        if let Some(lists_override) = &shop.write.lists {
            let label = t.label.clone();
            lists(
                &format!("{prefix}.write.lists"),
                &label,
                lists_override,
                t.out,
            );
        }
    }
}

fn shopify(s: &ShopifyConfig, t: &mut Table<'_>) {
    let handle = s.shop_domain.strip_suffix(".myshopify.com").unwrap_or("");
    let handle_ok = !handle.is_empty()
        && handle
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !handle_ok {
        t.problem(
            "shop_domain",
            format_args!(
                "must be the store's lowercase myshopify.com domain, like \"your-store.myshopify.com\" \
                 (no https://, no path), got {:?}",
                s.shop_domain
            ),
        );
    }
    if !is_api_version(&s.api_version) {
        t.problem(
            "api_version",
            format_args!(
                "must be a Shopify API version like \"2026-07\" (YYYY-MM with month 01, 04, 07 or 10), got {:?}",
                s.api_version
            ),
        );
    }
    if !is_metafield_namespace(&s.metafield_namespace) {
        t.problem(
            "metafield_namespace",
            format_args!(
                "must be 3 to 255 characters of A-Z, a-z, 0-9, - and _ (or $app / $app:name) \
                 and not start with shopify-- or app--, got {:?}",
                s.metafield_namespace
            ),
        );
    }
    t.at_least("timeout_seconds", s.timeout_seconds, 1);
    t.at_least("bulk_write_threshold", s.bulk_write_threshold, 1);
    if let Some(url) = &s.admin_url {
        if split_url(url).is_none() {
            t.problem(
                "admin_url",
                format_args!("must be an http:// or https:// URL, like \"http://127.0.0.1:8080\", got {url:?}"),
            );
        }
    }
}

fn woocommerce(w: &WooCommerceConfig, t: &mut Table<'_>) {
    match split_url(&w.base_url) {
        None => t.problem(
            "base_url",
            format_args!(
                "must be an http:// or https:// URL of the site's root, like \"https://shop.example.com\", got {:?}",
                w.base_url
            ),
        ),
        Some((_, path)) if path.contains("/wp-json") => t.problem(
            "base_url",
            "must be the site's root URL without /wp-json/... (the client adds /wp-json/wc/v3)",
        ),
        Some((host, _)) => {
            let loopback = host == "localhost" || host.starts_with("127.") || host == "[::1]";
            if w.auth == WooAuth::Basic && w.is_plain_http() && !loopback {
                t.problem(
                    "auth",
                    "= \"basic\" over plain http would send the consumer secret unencrypted, and WooCommerce \
                     ignores Basic auth over http; use an https:// base_url or auth = \"oauth1\"",
                );
            }
        }
    }
    if w.sale_statuses.is_empty() {
        t.problem("sale_statuses", "must name at least one order status");
    }
    for status in &w.sale_statuses {
        let ok = !status.is_empty()
            && status
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !ok {
            t.problem(
                "sale_statuses",
                format_args!(
                    "has {status:?}, which is not an order status slug like \"completed\""
                ),
            );
        }
    }
    if !(w.requests_per_second.is_finite() && w.requests_per_second > 0.0) {
        t.problem(
            "requests_per_second",
            format_args!("must be a positive number, got {}", w.requests_per_second),
        );
    }
    t.at_least("burst", w.burst, 1);
    t.at_least("max_concurrency", w.max_concurrency, 1);
    if !(1..=100).contains(&w.batch_size) {
        t.problem(
            "batch_size",
            format_args!(
                "must be 1 to 100 (WooCommerce's batch limit), got {}",
                w.batch_size
            ),
        );
    }
    t.at_least("timeout_seconds", w.timeout_seconds, 1);
}

fn is_shop_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn is_api_version(version: &str) -> bool {
    let bytes = version.as_bytes();
    version == "unstable"
        || (bytes.len() == 7
            && bytes[..4].iter().all(u8::is_ascii_digit)
            && bytes[4] == b'-'
            && ["01", "04", "07", "10"].contains(&&version[5..]))
}

fn is_metafield_namespace(ns: &str) -> bool {
    let word = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if let Some(rest) = ns.strip_prefix("$app") {
        return rest.is_empty()
            || rest
                .strip_prefix(':')
                .is_some_and(|s| !s.is_empty() && word(s));
    }
    (3..=255).contains(&ns.len())
        && word(ns)
        && !ns.starts_with("shopify--")
        && !ns.starts_with("app--")
}

/// The host (lowercase, IPv6 in brackets) and path of an http(s) URL with no user
/// info, query or fragment; `None` if it is not one.
fn split_url(url: &str) -> Option<(String, &str)> {
    let lower = url
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower.starts_with("http://") {
        &url[7..]
    } else if lower.starts_with("https://") {
        &url[8..]
    } else {
        return None;
    };
    if rest.contains(['?', '#', '@']) || rest.contains(char::is_whitespace) {
        return None;
    }
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6.split_once(']')?;
        (format!("[{addr}]"), after.strip_prefix(':'))
    } else {
        let (host, port) = authority
            .split_once(':')
            .map_or((authority, None), |(h, p)| (h, Some(p)));
        (host.to_owned(), port)
    };
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    (host_ok && port_ok).then(|| (host.to_ascii_lowercase(), path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split_into_host_and_path_or_refused() {
        assert_eq!(
            split_url("https://Shop.Example.com/store/"),
            Some(("shop.example.com".to_owned(), "/store/"))
        );
        assert_eq!(
            split_url("http://127.0.0.1:8080"),
            Some(("127.0.0.1".to_owned(), ""))
        );
        assert_eq!(
            split_url("http://[::1]:80/"),
            Some(("[::1]".to_owned(), "/"))
        );
        for bad in [
            "ftp://x.com",
            "shop.example.com",
            "https://",
            "https://user:pw@x.com",
            "https://x.com/?a=1",
            "https://x.com:0",
            "https://x.com:99999",
        ] {
            assert_eq!(split_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn api_versions_must_be_quarterly_releases() {
        assert!(is_api_version("2026-07"));
        assert!(is_api_version("unstable"));
        assert!(!is_api_version("2026-06"));
        assert!(!is_api_version("2026-7"));
    }

    #[test]
    fn metafield_namespaces_follow_shopify_rules() {
        assert!(is_metafield_namespace("upsell_sync"));
        assert!(is_metafield_namespace("$app"));
        assert!(is_metafield_namespace("$app:recs"));
        assert!(!is_metafield_namespace("ab"));
        assert!(!is_metafield_namespace(
            "shopify--discovery--product_recommendation"
        ));
        assert!(!is_metafield_namespace("has space"));
    }

    #[test]
    fn the_recommender_key_is_taken_from_the_params_message() {
        assert_eq!(
            recommender_key("recommender.upsell.min_price_ratio must be at least 1."),
            "recommender.upsell.min_price_ratio"
        );
        assert_eq!(recommender_key("something else"), "recommender");
    }
}
