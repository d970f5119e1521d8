use chrono::NaiveDate;

use super::*;
use crate::model::{ListKind, Money};
use crate::recommend::impact::{AttachCount, Lift, OfferKind};

/// Checks that every start tag has its end tag, in order. Escaped text holds no `<`,
/// so splitting on `<` finds every tag.
fn assert_balanced(svg: &str) {
    let mut open: Vec<&str> = Vec::new();
    for tag in svg.split('<').skip(1) {
        let tag = &tag[..tag.find('>').expect("tag closes")];
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(closing), "in {svg}");
        } else if !tag.ends_with('/') {
            open.push(tag.split_whitespace().next().unwrap());
        }
    }
    assert!(open.is_empty(), "unclosed {open:?} in {svg}");
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
    assert!(svg.contains("role=\"img\"") && svg.contains("<title>"));
}

fn group(label: &str, published: Option<f64>, holdout: Option<f64>) -> BarGroup {
    BarGroup {
        label: label.to_owned(),
        published,
        holdout,
        note: None,
    }
}

#[test]
fn bars_show_each_kind_with_its_percentages() {
    let groups = [
        group("cross_sell", Some(0.625), Some(0.25)),
        group("upsell", Some(0.2), None),
    ];
    let svg = attach_bars("Attach rate", &groups);
    assert_balanced(&svg);
    for expected in [
        "cross_sell",
        "upsell",
        "62.5%",
        "25.0%",
        "20.0%",
        "–",
        "published",
        "holdout",
    ] {
        assert!(svg.contains(expected), "{expected} missing from {svg}");
    }
    assert_eq!(svg.matches("<rect").count(), 4 + 2); // 4 bars, 2 legend keys
    assert_eq!(svg, attach_bars("Attach rate", &groups), "deterministic");
}

#[test]
fn a_kind_with_lift_shows_the_lift_and_its_interval() {
    let impact = KindImpact {
        kind: OfferKind::List(ListKind::CrossSell),
        treated: AttachCount {
            occurrences: 8,
            attached: 5,
        },
        holdout: AttachCount {
            occurrences: 7,
            attached: 3,
        },
        lift: Some(Lift {
            estimate: 0.458,
            low: -0.469,
            high: 3.004,
        }),
        revenue: Money(0),
    };
    let bars = BarGroup::from_impact(&impact);
    assert_eq!(
        bars.note.as_deref(),
        Some("lift +45.8% (-46.9% to +300.4%)")
    );
    assert_eq!(bars.published, Some(0.625));
    let svg = attach_bars("Attach rate", &[bars]);
    assert_balanced(&svg);
    assert!(svg.contains("lift +45.8%"));
}

#[test]
fn labels_and_titles_are_escaped() {
    let svg = attach_bars("a \"b\" <c> & d", &[group("<x&y\">", Some(0.5), Some(0.5))]);
    assert_balanced(&svg);
    assert!(svg.contains("aria-label=\"a &quot;b&quot; &lt;c&gt; &amp; d\""));
    assert!(svg.contains("&lt;x&amp;y&quot;&gt;"));
    assert!(!svg.contains("<x&"));
    let days = [DayRates {
        day: "<today>".to_owned(),
        published: Some(0.1),
        holdout: None,
    }];
    let lines = daily_lines("t & u", &days);
    assert_balanced(&lines);
    assert!(lines.contains("&lt;today&gt;") && lines.contains("t &amp; u"));
}

#[test]
fn empty_input_says_no_data() {
    for svg in [
        attach_bars("Attach rate", &[]),
        attach_bars("Attach rate", &[group("cross_sell", None, None)]),
        daily_lines("Daily", &[]),
        daily_lines(
            "Daily",
            &[DayRates {
                day: "d".to_owned(),
                published: None,
                holdout: None,
            }],
        ),
    ] {
        assert_balanced(&svg);
        assert!(svg.contains(">no data</text>"), "{svg}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}

#[test]
fn zero_rates_and_odd_numbers_draw_without_nan() {
    let svg = attach_bars("z", &[group("k", Some(0.0), Some(f64::NAN))]);
    assert_balanced(&svg);
    assert!(!svg.contains("NaN"));
    assert!(svg.contains(">0.0%</text>"));
}

#[test]
fn daily_lines_draw_a_polyline_per_run_of_days_with_axis_labels() {
    let day = |d| NaiveDate::from_ymd_opt(2024, 6, d).unwrap();
    let point = |d, treated: (u64, u64), holdout: (u64, u64)| DayPoint {
        day: day(d),
        treated: AttachCount {
            occurrences: treated.0,
            attached: treated.1,
        },
        holdout: AttachCount {
            occurrences: holdout.0,
            attached: holdout.1,
        },
    };
    let points = [
        point(1, (4, 2), (2, 1)),
        point(2, (0, 0), (4, 1)),
        point(3, (5, 4), (0, 0)),
        point(4, (2, 1), (2, 1)),
    ];
    let days: Vec<DayRates> = points.iter().map(DayRates::from_point).collect();
    let svg = daily_lines("Daily attach rate", &days);
    assert_balanced(&svg);
    // Published: day 1, then days 3–4 (a gap on day 2); holdout: days 1–2, then day 4.
    assert_eq!(svg.matches("<polyline").count(), 4);
    assert!(svg.contains(">2024-06-01</text>") && svg.contains(">2024-06-04</text>"));
    assert!(svg.contains(">0%</text>") && svg.contains(">88.0%</text>")); // 0.8 × 1.1
    let single = daily_lines("One day", &days[..1]);
    assert_balanced(&single);
    assert_eq!(single.matches("<polyline").count(), 2);
}
