//! HTTPS for the simulated store: a throwaway CA and a server certificate it signs,
//! valid for `127.0.0.1` and `localhost`, made with rcgen. A client trusts the CA
//! (`reqwest::Certificate::from_pem(ca_pem)` + `add_root_certificate`). rustls runs on
//! the `ring` provider, chosen explicitly (never the process default, never aws-lc).

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

/// A server configuration and the PEM of the CA that signed its certificate.
pub(crate) struct Tls {
    pub config: Arc<ServerConfig>,
    pub ca_pem: String,
}

fn io_error(error: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(error.to_string())
}

/// Makes a CA, a certificate for `127.0.0.1`/`localhost`, and a rustls config serving it.
pub(crate) fn generate() -> std::io::Result<Tls> {
    let ca_key = KeyPair::generate().map_err(io_error)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(io_error)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Simulated WooCommerce test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(io_error)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().map_err(io_error)?;
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .map_err(io_error)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let cert = params.signed_by(&key, &issuer).map_err(io_error)?;

    let chain = vec![
        cert.der().clone(),
        CertificateDer::from(ca_cert.der().to_vec()),
    ];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io_error)?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(io_error)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        config: Arc::new(config),
        ca_pem: ca_cert.pem(),
    })
}
