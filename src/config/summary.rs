//! The human summary `check-config` prints. Secrets appear by variable or file name
//! only; nothing here reads them.

use std::fmt::Write as _;

use super::shop::{PlatformConfig, ShopConfig};
use super::write::{WriteConfig, WriteList};
use super::Config;

/// Renders the summary of a valid config.
pub(super) fn render(config: &Config) -> String {
    let mut out = String::new();
    daemon(config, &mut out);
    let _ = writeln!(out, "write:        {}", write(&config.write));
    recommender(config, &mut out);
    let _ = writeln!(out, "\nshops ({}):", config.shops.len());
    if config.shops.is_empty() {
        out.push_str("  (none configured)\n");
    }
    for (index, shop) in config.shops.iter().enumerate() {
        self::shop(config, index, shop, &mut out);
    }
    let notes = notes(config);
    if !notes.is_empty() {
        out.push_str("\nnotes:\n");
        for note in notes {
            let _ = writeln!(out, "  - {note}");
        }
    }
    out
}

fn daemon(config: &Config, out: &mut String) {
    let d = &config.daemon;
    let _ = writeln!(out, "data dir:     {}", d.data_dir.display());
    let _ = writeln!(out, "install salt: {}", d.salt_path().display());
    let _ = writeln!(out, "listen:       {}", d.listen);
    let token = d
        .admin_token
        .as_ref()
        .map_or_else(|| "not set".to_owned(), ToString::to_string);
    let _ = writeln!(out, "admin token:  {token}");
    let _ = writeln!(out, "log format:   {}", d.log_format.as_str());
    let _ = writeln!(
        out,
        "schedule:     every {} min; webhook bodies up to {} bytes; shutdown within {} s",
        d.schedule_minutes, d.webhook_body_limit_bytes, d.shutdown_timeout_seconds
    );
}

fn write(write: &WriteConfig) -> String {
    let lists = if write.lists == WriteList::ALL {
        "all lists".to_owned()
    } else {
        let names: Vec<&str> = write.lists.iter().map(|l| l.as_str()).collect();
        names.join(", ")
    };
    format!("{} ({lists})", write.mode)
}

fn recommender(config: &Config, out: &mut String) {
    let p = &config.recommender;
    let _ = writeln!(
        out,
        "recommender:  half-life {} days, min co-orders {}, lists up to {}, holdout {}%",
        p.half_life_days, p.min_co_orders, p.max_list_length, p.holdout_percent
    );
    let _ = writeln!(
        out,
        "              cross-sell up to {}x the price, upsell {}-{}x, downsell {}-{}x, \
         bundles of up to {} at {}% off",
        p.cross_sell.max_price_ratio,
        p.upsell.min_price_ratio,
        p.upsell.max_price_ratio,
        p.downsell.min_price_ratio,
        p.downsell.max_price_ratio,
        p.bundles.max_items,
        p.bundles.discount_percent
    );
}

fn shop(config: &Config, index: usize, shop: &ShopConfig, out: &mut String) {
    let state = if shop.enabled { "" } else { ", DISABLED" };
    let minutes = config.schedule_for(shop).as_secs() / 60;
    let where_ = match &shop.platform {
        PlatformConfig::Shopify(s) => format!("{} (API {})", s.shop_domain, s.api_version),
        PlatformConfig::WooCommerce(w) => {
            let auth = match w.effective_auth() {
                super::WooAuth::OAuth1 => "OAuth 1.0a",
                _ => "Basic",
            };
            format!("{} ({auth} auth)", w.base_url)
        }
    };
    let _ = writeln!(
        out,
        "  {}: {} {where_}, every {minutes} min{state}",
        shop.name,
        shop.platform.name()
    );
    let _ = writeln!(out, "    write:   {}", write(&config.write_for(shop)));
    match &shop.platform {
        PlatformConfig::Shopify(s) => {
            let discovery = if s.write_search_discovery {
                " + Search & Discovery"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    metafields: {}{discovery}; bulk above {} products or {} metafield writes; \
                 overlap {} min; timeout {} s",
                s.metafield_namespace,
                s.bulk_threshold_products,
                s.bulk_write_threshold,
                s.overlap_minutes,
                s.timeout_seconds
            );
            if let Some(url) = &s.admin_url {
                let _ = writeln!(out, "    admin API at: {url}");
            }
        }
        PlatformConfig::WooCommerce(w) => {
            let _ = writeln!(
                out,
                "    limits:  {} req/s, burst {}, {} at once, batches of {}, timeout {} s; \
                 sales: {}; overlap {} min",
                w.requests_per_second,
                w.burst,
                w.max_concurrency,
                w.batch_size,
                w.timeout_seconds,
                w.sale_statuses.join(", "),
                w.overlap_minutes
            );
        }
    }
    let prefix = format!("shops[{index}].");
    let secrets: Vec<String> = config
        .secret_refs()
        .into_iter()
        .filter_map(|(key, secret)| {
            key.strip_prefix(&prefix)
                .map(|field| format!("{field} from {secret}"))
        })
        .collect();
    let _ = writeln!(out, "    secrets: {}", secrets.join(", "));
}

/// Settings that are valid but worth a second look.
fn notes(config: &Config) -> Vec<String> {
    let mut notes = Vec::new();
    if config.daemon.admin_token.is_none() {
        notes.push("daemon.admin_token is not set: the admin UI and API need one".to_owned());
    }
    if !config.daemon.listen.ip().is_loopback() {
        notes.push(format!(
            "listening on {}, not on loopback: put a TLS proxy in front",
            config.daemon.listen
        ));
    }
    for shop in &config.shops {
        let webhook_secret = match &shop.platform {
            PlatformConfig::Shopify(s) => s.webhook_secret.is_some(),
            PlatformConfig::WooCommerce(w) => w.webhook_secret.is_some(),
        };
        if shop.enabled && !webhook_secret {
            notes.push(format!(
                "shop {} has no webhook_secret: its webhooks cannot be verified, so it syncs on schedule only",
                shop.name
            ));
        }
        if config.write_for(shop).mode == super::WriteMode::DryRun {
            notes.push(format!(
                "shop {} is in dry_run mode: nothing is written",
                shop.name
            ));
        }
    }
    notes
}
