//! Parse errors: unknown keys, wrong types, missing values and refused secrets, each
//! naming the key path and the line.

use super::*;

#[test]
fn a_misspelt_top_level_key_names_the_key_and_line() {
    let text = "[daemon]\nlisten = \"127.0.0.1:9000\"\n\n[writ]\nmode = \"merge\"\n";
    let err = error(text);
    assert!(
        err.starts_with("test.toml line 4, column 2: unknown key `writ`"),
        "{err}"
    );
    assert!(err.contains("`write`") && err.contains("`shops`"), "{err}");
}

#[test]
fn a_misspelt_nested_key_names_the_path_and_line() {
    let text = "[daemon]\ndata_dir = \"/srv/upsell\"\nschedule_minute = 5\n";
    let err = error(text);
    assert!(
        err.starts_with("test.toml line 3, column 1: unknown key `daemon.schedule_minute`"),
        "{err}"
    );
    assert!(
        err.contains("expected one of") && err.contains("`schedule_minutes`"),
        "{err}"
    );
}

#[test]
fn a_misspelt_key_in_a_shop_names_the_shop_index_and_line() {
    let text = format!("{}\n{}", shopify(""), woocommerce("consumer_secrt = 1\n"));
    let err = error(&text);
    let line = line_of(&text, "consumer_secrt");
    assert!(
        err.starts_with(&format!(
            "test.toml line {line}, column 1: unknown key `shops[1].consumer_secrt`"
        )),
        "{err}"
    );
    assert!(err.contains("`consumer_secret`"), "{err}");
}

#[test]
fn a_key_of_the_other_platform_is_an_unknown_key() {
    let text = shopify("consumer_key = { env = \"K\" }\n");
    let err = error(&text);
    let line = line_of(&text, "consumer_key");
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(err.contains("unknown key `shops[0].consumer_key`"), "{err}");
    assert!(err.contains("`shop_domain`"), "{err}");
}

#[test]
fn a_misspelt_key_in_a_secret_reference_names_the_path() {
    let text = "[daemon]\nadmin_token = { enw = \"TOKEN\" }\n";
    let err = error(text);
    assert!(err.contains("line 2"), "{err}");
    assert!(
        err.contains("unknown key `daemon.admin_token.enw`"),
        "{err}"
    );
    assert!(err.contains("`env`") && err.contains("`file`"), "{err}");
}

#[test]
fn a_wrong_type_names_the_key_and_line() {
    let text = "[daemon]\n\nschedule_minutes = \"60\"\n";
    let err = error(text);
    assert!(err.starts_with("test.toml line 3"), "{err}");
    assert!(err.contains("`daemon.schedule_minutes`"), "{err}");
    assert!(err.contains("expected a whole number"), "{err}");
}

#[test]
fn a_wrong_type_inside_a_shop_names_the_key_and_line() {
    let text = woocommerce("batch_size = \"100\"\n");
    let err = error(&text);
    let line = line_of(&text, "batch_size");
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(err.contains("`shops[0].batch_size`"), "{err}");
}

#[test]
fn an_unknown_choice_names_the_key_and_the_choices() {
    let err = error("[daemon]\nlog_format = \"jsn\"\n");
    assert!(
        err.contains("line 2") && err.contains("`daemon.log_format`"),
        "{err}"
    );
    assert!(
        err.contains("unknown value `jsn`") && err.contains("`json`"),
        "{err}"
    );
    let err = error("[daemon]\nlisten = \"localhost:80\"\n");
    assert!(
        err.contains("`daemon.listen`") && err.contains("127.0.0.1:8787"),
        "{err}"
    );
    let err = error("[write]\nlists = [\"upsell\", \"bundle\"]\n");
    assert!(
        err.contains("`write.lists[1]`") && err.contains("`bundles`"),
        "{err}"
    );
}

#[test]
fn a_missing_required_value_names_the_key_and_the_shop_line() {
    let text = "[daemon]\n\n[[shops]]\nname = \"main\"\nplatform = \"shopify\"\n\
                access_token = { env = \"T\" }\n";
    let err = error(text);
    assert!(
        err.starts_with("test.toml line 3, column 1: missing required key `shops[0].shop_domain`"),
        "{err}"
    );
}

#[test]
fn a_missing_or_unknown_platform_lists_the_platforms() {
    let err = error("[[shops]]\nname = \"main\"\n");
    assert!(
        err.contains("line 1") && err.contains("`shops[0].platform`"),
        "{err}"
    );
    assert!(err.contains("`shopify` or `woocommerce`"), "{err}");
    let err = error("[[shops]]\nname = \"main\"\nplatform = \"magento\"\n");
    assert!(
        err.contains("line 3") && err.contains("\"magento\""),
        "{err}"
    );
}

#[test]
fn shops_written_as_a_single_table_get_a_hint() {
    let err = error("[shops]\nname = \"main\"\n");
    assert!(err.contains("line 1") && err.contains("[[shops]]"), "{err}");
}

#[test]
fn an_inline_secret_is_refused_without_echoing_it() {
    let text = "[[shops]]\nname = \"main\"\nplatform = \"shopify\"\nshop_domain = \"main.myshopify.com\"\n\
                access_token = \"shpat_0123456789abcdef\"\n";
    let err = load(text).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
    let err = err.to_string();
    assert!(
        err.contains("line 5") && err.contains("`shops[0].access_token`"),
        "{err}"
    );
    assert!(
        err.contains("{ env = ") && err.contains("{ file = "),
        "{err}"
    );
}

#[test]
fn a_secret_pasted_as_a_variable_name_is_refused_without_echoing_it() {
    let err = error(&woocommerce("").replace("WOO_KEY", "ck_0123456789abcdef"));
    assert!(!err.contains("0123456789abcdef"), "{err}");
    assert!(
        err.contains("`shops[0].consumer_key`") && err.contains("NAME"),
        "{err}"
    );
    let err = error("[daemon]\nadmin_token = { env = \"not a name!\" }\n");
    assert!(
        !err.contains("not a name!") && err.contains("daemon.admin_token"),
        "{err}"
    );
}

#[test]
fn a_secret_with_both_env_and_file_or_neither_is_refused() {
    let err = error("[daemon]\nadmin_token = { env = \"A\", file = \"/b\" }\n");
    assert!(err.contains("not both") && err.contains("line 2"), "{err}");
    let err = error("[daemon]\nadmin_token = {}\n");
    assert!(
        err.contains("daemon.admin_token") && err.contains("{ env = "),
        "{err}"
    );
}

#[test]
fn a_syntax_error_names_the_line_without_quoting_the_source() {
    let text = "[daemon]\nadmin_token = shpat_0123456789abcdef\n";
    let err = error(text);
    assert!(
        err.starts_with("test.toml line 2, column 15: invalid TOML"),
        "{err}"
    );
    assert!(!err.contains("0123456789abcdef"), "{err}");
}
