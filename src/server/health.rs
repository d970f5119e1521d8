//! `/healthz`: the process serves. `/readyz`: every pipeline has started (systemd and
//! load balancers route webhooks only then).

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;

use super::ServerState;

/// Always 200 while the server answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 once ready, 503 before; the body lists each shop's phase.
pub async fn readyz(State(state): State<ServerState>) -> (StatusCode, String) {
    let phases: Vec<String> = state
        .board
        .snapshot()
        .iter()
        .map(|(name, status)| format!("{name}: {}", status.phase.as_str()))
        .collect();
    if state.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, format!("ready\n{}\n", phases.join("\n")))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting\n".to_owned())
    }
}
