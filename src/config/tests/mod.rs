//! Loading configs end to end: the example file, error messages with key paths and
//! lines, semantic checks and the summary. Shared helpers live here.

mod checks;
mod errors;
mod example;

use super::*;

pub(super) const EXAMPLE: &str = include_str!("../../../config.example.toml");

pub(super) fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml_str(text, "test.toml")
}

pub(super) fn error(text: &str) -> String {
    load(text)
        .expect_err("config should be refused")
        .to_string()
}

/// 1-based line of the first line of `text` containing `needle`.
pub(super) fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect(needle) + 1
}

pub(super) fn shopify(extra: &str) -> String {
    format!(
        "[[shops]]\nname = \"main\"\nplatform = \"shopify\"\nshop_domain = \"main.myshopify.com\"\n\
         access_token = {{ env = \"SHOPIFY_ACCESS_TOKEN\" }}\n{extra}"
    )
}

pub(super) fn woocommerce(extra: &str) -> String {
    format!(
        "[[shops]]\nname = \"woo\"\nplatform = \"woocommerce\"\nbase_url = \"https://shop.example.com\"\n\
         consumer_key = {{ env = \"WOO_KEY\" }}\nconsumer_secret = {{ file = \"/run/woo-secret\" }}\n{extra}"
    )
}
