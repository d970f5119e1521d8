//! Semantic checks: values that parse but make no sense, named with key, shop and line.

use super::*;

#[test]
fn semantic_errors_in_a_shop_name_the_key_the_shop_and_the_line() {
    let text = format!("{}\n{}", shopify(""), woocommerce("batch_size = 150\n"));
    let err = error(&text);
    let line = line_of(&text, "batch_size");
    assert!(
        err.starts_with(&format!(
            "test.toml line {line}: shops[1].batch_size (shop \"woo\")"
        )),
        "{err}"
    );
    assert!(err.contains("1 to 100") && err.contains("150"), "{err}");
}

#[test]
fn duplicate_shop_names_and_stores_are_refused() {
    let text = format!("{}\n{}", shopify(""), shopify(""));
    let err = error(&text);
    assert!(
        err.contains("shops[1].name") && err.contains("already used by shops[0]"),
        "{err}"
    );
    assert!(
        err.contains("shops[1].shop_domain") && err.contains("same store"),
        "{err}"
    );
}

#[test]
fn shop_names_must_be_url_safe() {
    for bad in ["Main Store", "", "émile"] {
        let err = error(&shopify("").replace("\"main\"", &format!("{bad:?}")));
        assert!(
            err.contains("shops[0].name") && err.contains("a-z, 0-9"),
            "{bad}: {err}"
        );
    }
    assert!(load(&shopify("").replace("\"main\"", "\"eu_store-2\"")).is_ok());
}

#[test]
fn a_shopify_domain_must_be_a_bare_myshopify_domain() {
    for bad in [
        "https://main.myshopify.com",
        "shop.example.com",
        "Main.myshopify.com",
    ] {
        let err = error(&shopify("").replace("main.myshopify.com", bad));
        assert!(
            err.contains("shops[0].shop_domain") && err.contains("line 4"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn a_woocommerce_url_must_be_the_http_or_https_site_root() {
    for bad in ["ftp://shop.example.com", "shop.example.com", "https://"] {
        let err = error(&woocommerce("").replace("https://shop.example.com", bad));
        assert!(
            err.contains("shops[0].base_url") && err.contains("http"),
            "{bad}: {err}"
        );
    }
    let err = error(&woocommerce("").replace(".com\"", ".com/wp-json/wc/v3\""));
    assert!(err.contains("without /wp-json"), "{err}");
}

#[test]
fn basic_auth_over_plain_http_is_refused_except_on_loopback() {
    let http = woocommerce("auth = \"basic\"\n").replace("https://", "http://");
    let err = error(&http);
    assert!(
        err.contains("shops[0].auth") && err.contains("oauth1"),
        "{err}"
    );
    let loopback = http.replace("shop.example.com", "127.0.0.1:8080");
    assert!(load(&loopback).is_ok());
    let auto = load(&woocommerce("").replace("https://", "http://")).unwrap();
    let PlatformConfig::WooCommerce(w) = &auto.shops[0].platform else {
        unreachable!()
    };
    assert_eq!(w.effective_auth(), WooAuth::OAuth1);
}

#[test]
fn zero_where_a_positive_number_is_needed_is_refused_with_every_problem_listed() {
    let text = format!(
        "[daemon]\nschedule_minutes = 0\n\n{}",
        woocommerce("requests_per_second = 0\nmax_concurrency = 0\n")
    );
    let err = error(&text);
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(
        err.contains("test.toml line 2: daemon.schedule_minutes must be at least 1"),
        "{err}"
    );
    assert!(err.contains("shops[0].requests_per_second"), "{err}");
    assert!(err.contains("shops[0].max_concurrency"), "{err}");
}

#[test]
fn write_lists_must_not_be_empty_or_repeat() {
    let err = error("[write]\nlists = []\n");
    assert!(
        err.contains("line 2: write.lists is empty") && err.contains("dry_run"),
        "{err}"
    );
    let err = error(&shopify("write = { lists = [\"upsell\", \"upsell\"] }\n"));
    assert!(
        err.contains("shops[0].write.lists") && err.contains("more than once"),
        "{err}"
    );
}

#[test]
fn recommender_errors_name_the_key_and_line() {
    let text = "[recommender]\nbasket_cap = 40\n\n[recommender.upsell]\nmin_price_ratio = 0.9\n\
                max_price_ratio = 2.0\n";
    let err = error(text);
    assert!(
        err.starts_with("test.toml line 5: recommender.upsell.min_price_ratio"),
        "{err}"
    );
    let err = error("[recommender.cross_sell]\nmax_ratio = 2.0\n");
    assert!(
        err.contains("line 2") && err.contains("`recommender.cross_sell.max_ratio`"),
        "{err}"
    );
}

#[test]
fn integers_are_accepted_where_numbers_are_expected() {
    let config = load(&woocommerce("requests_per_second = 2\n")).unwrap();
    let PlatformConfig::WooCommerce(w) = &config.shops[0].platform else {
        unreachable!()
    };
    assert!((w.requests_per_second - 2.0).abs() < f64::EPSILON);
}

#[test]
fn a_shop_inherits_the_write_keys_and_schedule_it_leaves_out() {
    let text = format!(
        "[daemon]\nschedule_minutes = 45\n[write]\nlists = [\"cross_sell\"]\n{}",
        shopify("write = { mode = \"dry_run\" }\n")
    );
    let config = load(&text).unwrap();
    let shop = &config.shops[0];
    let write = config.write_for(shop);
    assert_eq!(write.mode, WriteMode::DryRun);
    assert_eq!(write.lists, [WriteList::CrossSell]);
    assert_eq!(config.schedule_for(shop), Duration::from_secs(45 * 60));
}
