//! Product images the simulated stores host themselves, so the admin shows real pictures
//! in the demo and the browser tests without reaching the internet: a small SVG tile
//! in a colour drawn from the file name, with the name's initial on it.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Every how many seeded products one has no image, so the admin's "no image" case is
/// always in the data.
pub(crate) const WITHOUT_IMAGE_EVERY: u64 = 9;

/// The image file name a seeded product `n` gets from its handle, or none.
pub(crate) fn seeded_file(n: u64, handle: &str) -> Option<String> {
    (n % WITHOUT_IMAGE_EVERY != WITHOUT_IMAGE_EVERY - 1).then(|| format!("{handle}.svg"))
}

/// The URL of `file` under `base` (the store's file URL prefix); a value that is
/// already a URL (set by a test or a merchant edit) is kept as it is.
pub(crate) fn url(base: &str, file: &str) -> String {
    if file.contains("://") {
        file.to_owned()
    } else {
        format!("{base}{file}")
    }
}

/// Serves `GET …/{file}`: the tile for any `*.svg` name, 404 otherwise.
pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    let Some(stem) = file.strip_suffix(".svg") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        tile(stem),
    )
        .into_response()
}

/// A 96×96 tile: a hue hashed from `stem`, its first letter in white.
fn tile(stem: &str) -> String {
    let hue = stem
        .bytes()
        .fold(7_u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360;
    let initial = stem
        .chars()
        .find(char::is_ascii_alphanumeric)
        .map_or('?', |c| c.to_ascii_uppercase());
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"96\" height=\"96\" viewBox=\"0 0 96 96\">\
<rect width=\"96\" height=\"96\" rx=\"12\" fill=\"hsl({hue},55%,45%)\"/>\
<text x=\"48\" y=\"62\" font-family=\"sans-serif\" font-size=\"44\" text-anchor=\"middle\" fill=\"#fff\">{initial}</text></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ninth_seeded_product_has_no_image() {
        let with: Vec<bool> = (0..18).map(|n| seeded_file(n, "mug").is_some()).collect();
        assert_eq!(with.iter().filter(|w| !**w).count(), 2);
        assert_eq!(seeded_file(0, "mug").as_deref(), Some("mug.svg"));
        assert_eq!(seeded_file(8, "mug"), None);
    }

    #[test]
    fn files_become_urls_and_urls_stay_as_they_are() {
        assert_eq!(url("http://h/cdn/", "a.svg"), "http://h/cdn/a.svg");
        assert_eq!(url("http://h/cdn/", "https://x/y.png"), "https://x/y.png");
    }

    #[test]
    fn tiles_differ_by_name_and_carry_the_initial() {
        let (a, b) = (tile("espresso-cup-1"), tile("milk-jug-2"));
        assert_ne!(a, b);
        assert!(a.contains(">E</text>") && b.contains(">M</text>"));
        assert!(a.starts_with("<svg"));
    }
}
