//! The example file: it loads, documents every option with its default; the summary
//! and `check_config`.

use super::*;

/// The example with every `# key = value` line and `# [table]` header uncommented.
fn example_uncommented() -> String {
    EXAMPLE
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with('[')
                    || rest.split_once(" = ").is_some_and(|(key, _)| {
                        !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    }) =>
            {
                rest
            }
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_example_config_is_valid_and_has_one_shop_per_platform() {
    let config = load(EXAMPLE).unwrap();
    let platforms: Vec<&str> = config.shops.iter().map(|s| s.platform.name()).collect();
    assert_eq!(platforms, ["shopify", "woocommerce"]);
    let PlatformConfig::Shopify(s) = &config.shops[0].platform else {
        unreachable!()
    };
    assert_eq!(s.access_token, SecretRef::env("SHOPIFY_ACCESS_TOKEN"));
}

#[test]
fn the_example_documents_the_defaults_of_every_commented_option() {
    let text = example_uncommented();
    assert!(text.contains("\nlisten = "), "uncommenting failed");
    let config = load(&text).unwrap_or_else(|e| panic!("{e}"));
    let defaults = Config::default();
    let daemon = &config.daemon;
    assert_eq!(daemon.salt_path(), defaults.daemon.salt_path());
    let expected_daemon = DaemonConfig {
        salt_file: daemon.salt_file.clone(),
        admin_token: daemon.admin_token.clone(),
        ..defaults.daemon.clone()
    };
    assert_eq!(*daemon, expected_daemon);
    assert_eq!(config.write, defaults.write);
    assert_eq!(config.recommender, defaults.recommender);
    for shop in &config.shops {
        assert!(shop.enabled);
        match &shop.platform {
            PlatformConfig::Shopify(s) => {
                let expected = ShopifyConfig {
                    webhook_secret: s.webhook_secret.clone(),
                    admin_url: s.admin_url.clone(),
                    ..ShopifyConfig::new(&s.shop_domain, s.access_token.clone())
                };
                assert_eq!(*s, expected);
            }
            PlatformConfig::WooCommerce(w) => {
                let expected = WooCommerceConfig {
                    webhook_secret: w.webhook_secret.clone(),
                    ca_file: w.ca_file.clone(),
                    ..WooCommerceConfig::new(
                        &w.base_url,
                        w.consumer_key.clone(),
                        w.consumer_secret.clone(),
                    )
                };
                assert_eq!(*w, expected);
            }
        }
    }
}

/// The keys serde knows for the table an unknown key `zzz` was put in.
fn known_keys(text: &str) -> Vec<String> {
    let message = error(text);
    let (_, expected) = message.split_once("(expected").expect(&message);
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_option_is_documented_in_the_example() {
    let band = "min_price_ratio = 1.1\nmax_price_ratio = 2.0\n";
    let tables = [
        "zzz = 1\n".to_owned(),
        "[daemon]\nzzz = 1\n".to_owned(),
        "[write]\nzzz = 1\n".to_owned(),
        "[recommender]\nzzz = 1\n".to_owned(),
        "[recommender.cross_sell]\nzzz = 1\n".to_owned(),
        format!("[recommender.upsell]\n{band}zzz = 1\n"),
        "[recommender.related]\nzzz = 1\n".to_owned(),
        "[recommender.bundles]\nzzz = 1\n".to_owned(),
        "[recommender.repeat]\nzzz = 1\n".to_owned(),
        shopify("zzz = 1\n"),
        woocommerce("zzz = 1\n"),
        shopify("write = { zzz = 1 }\n"),
    ];
    let mut checked = 0;
    for table in tables {
        let keys = known_keys(&table);
        assert!(keys.len() >= 2, "{table}: {keys:?}");
        for key in keys {
            assert!(
                [format!("{key} = "), format!("[{key}]"), format!(".{key}]")]
                    .iter()
                    .any(|form| EXAMPLE.contains(form.as_str())),
                "`{key}` is not documented in config.example.toml"
            );
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} keys checked");
}

#[test]
fn an_empty_file_is_a_valid_config_with_the_defaults() {
    let config = load("").unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.daemon.listen.to_string(), "127.0.0.1:8787");
    assert_eq!(
        config.daemon.salt_path(),
        PathBuf::from("/var/lib/upsell-sync/install-salt")
    );
}

#[test]
fn the_summary_names_shops_settings_and_secrets_by_reference_only() {
    let summary = load(EXAMPLE).unwrap().summary();
    for expected in [
        "/var/lib/upsell-sync",
        "127.0.0.1:8787",
        "main-store: shopify your-store.myshopify.com",
        "second-store: woocommerce https://shop.example.com (Basic auth)",
        "merge (all lists)",
        "access_token from env SHOPIFY_ACCESS_TOKEN",
        "consumer_secret from env WOO_CONSUMER_SECRET",
        "half-life 90 days",
        "admin_token is not set",
    ] {
        assert!(
            summary.contains(expected),
            "missing {expected:?} in:\n{summary}"
        );
    }
}

#[test]
fn check_config_loads_a_file_and_returns_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, EXAMPLE).unwrap();
    let out = check_config(&path).unwrap();
    assert!(
        out.contains("is valid") && out.contains("main-store"),
        "{out}"
    );
    std::fs::write(&path, "[daemon]\nlisen = 1\n").unwrap();
    let err = check_config(&path).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{} line 2", path.display())),
        "{err}"
    );
    let missing = dir.path().join("missing.toml");
    let err = check_config(&missing).unwrap_err().to_string();
    assert!(
        err.contains("cannot read") && err.contains("missing.toml"),
        "{err}"
    );
}

#[test]
fn the_test_config_is_valid_and_finds_its_shops() {
    let config = Config::default_for_tests();
    config.validate().unwrap();
    assert_eq!(
        config.shop("woo-test").map(|s| s.platform.name()),
        Some("woocommerce")
    );
    assert_eq!(config.secret_refs().len(), 3);
}
