//! The routes of `/wc/v3` the simulator serves, matched as WordPress matches them
//! (ids are digits only, a trailing slash is ignored, an unknown path or method is
//! `rest_no_route`), with their `Allow` header and a label for the counters.

/// A matched route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Products,
    ProductsBatch,
    Product(u64),
    Variations(u64),
    Variation(u64, u64),
    Orders,
    Order(u64),
    Webhooks,
    Webhook(u64),
}

/// What a request does, for the anonymous-access errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    List,
    Read,
    Create,
    Edit,
    Delete,
    Batch,
}

const COLLECTION: &str = "GET, POST";
const ITEM: &str = "GET, POST, PUT, PATCH, DELETE";
const BATCH: &str = "POST, PUT, PATCH";

impl Route {
    /// Matches a REST route such as `/wc/v3/products/11`.
    pub fn parse(route: &str) -> Option<Self> {
        let rest = route.strip_prefix("/wc/v3/")?;
        let rest = rest.trim_end_matches('/');
        let parts: Vec<&str> = rest.split('/').collect();
        let id = |text: &str| -> Option<u64> {
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            text.parse().ok()
        };
        Some(match parts.as_slice() {
            ["products"] => Self::Products,
            ["products", "batch"] => Self::ProductsBatch,
            ["products", p] => Self::Product(id(p)?),
            ["products", p, "variations"] => Self::Variations(id(p)?),
            ["products", p, "variations", v] => Self::Variation(id(p)?, id(v)?),
            ["orders"] => Self::Orders,
            ["orders", o] => Self::Order(id(o)?),
            ["webhooks"] => Self::Webhooks,
            ["webhooks", w] => Self::Webhook(id(w)?),
            _ => return None,
        })
    }

    /// The `Allow` header.
    pub fn allow(self) -> &'static str {
        match self {
            Self::Products | Self::Variations(_) | Self::Orders | Self::Webhooks => COLLECTION,
            Self::ProductsBatch => BATCH,
            _ => ITEM,
        }
    }

    /// Whether `method` is served here.
    pub fn allows(self, method: &str) -> bool {
        self.allow().split(", ").any(|m| m == method)
    }

    /// What `method` does here.
    pub fn action(self, method: &str) -> Action {
        match (self, method) {
            (Self::ProductsBatch, _) => Action::Batch,
            (Self::Products | Self::Variations(_) | Self::Orders | Self::Webhooks, "GET") => {
                Action::List
            }
            (Self::Products | Self::Variations(_) | Self::Orders | Self::Webhooks, _) => {
                Action::Create
            }
            (_, "GET") => Action::Read,
            (_, "DELETE") => Action::Delete,
            _ => Action::Edit,
        }
    }

    /// The counters' name for a request, e.g. `PUT /products/{id}`.
    pub fn label(self, method: &str) -> String {
        let path = match self {
            Self::Products => "/products",
            Self::ProductsBatch => "/products/batch",
            Self::Product(_) => "/products/{id}",
            Self::Variations(_) => "/products/{id}/variations",
            Self::Variation(..) => "/products/{id}/variations/{variation_id}",
            Self::Orders => "/orders",
            Self::Order(_) => "/orders/{id}",
            Self::Webhooks => "/webhooks",
            Self::Webhook(_) => "/webhooks/{id}",
        };
        format!("{method} {path}")
    }
}

impl Action {
    /// The error WooCommerce answers when no user is logged in.
    pub fn refusal(self) -> (&'static str, &'static str) {
        match self {
            Self::List => (
                "woocommerce_rest_cannot_view",
                "Sorry, you cannot list resources.",
            ),
            Self::Read => (
                "woocommerce_rest_cannot_view",
                "Sorry, you cannot view this resource.",
            ),
            Self::Create => (
                "woocommerce_rest_cannot_create",
                "Sorry, you are not allowed to create resources.",
            ),
            Self::Edit => (
                "woocommerce_rest_cannot_edit",
                "Sorry, you are not allowed to edit this resource.",
            ),
            Self::Delete => (
                "woocommerce_rest_cannot_delete",
                "Sorry, you are not allowed to delete this resource.",
            ),
            Self::Batch => (
                "woocommerce_rest_cannot_batch",
                "Sorry, you are not allowed to batch manipulate this resource.",
            ),
        }
    }
}
