//! The intake server as reporters and staff meet it: the real binary on
//! 127.0.0.1, real sealed reports, a tus client nobody here wrote (tuspy),
//! receipts checked with the `minisign` CLI. The staff inbox's tests are
//! in `inbox/` (over HTTP, and in Chromium); helpers in `support/`.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod inbox;
mod support;

use std::time::Duration;

use base64::Engine as _;
use inbox::{
    an_expired_session_goes_back_to_the_login,
    staff_log_in_see_the_report_and_set_its_status_and_forms_need_their_token,
};
use sha2::Digest as _;
use support::{Report, Server, Storage, meta, tuspy};

async fn tuspy_sends_a_report_and_the_receipt_verifies_with_minisign(storage: Storage) {
    let srv = Server::start(storage).await;
    let report = Report::seal(&srv.tmp, "plain").await;
    let out = tuspy(&srv, &report, 40_000, true);
    let receipt_id = out["receipt_id"]
        .as_str()
        .expect("a receipt id")
        .to_string();
    let status = srv.receipt(&receipt_id).await;
    assert_eq!(status["status"], "received");
    assert_eq!(status["verification"], "verified");
    let json = status["receipt"]["json"].as_str().unwrap();
    let receipt: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(receipt["sha256"], report.sha256);
    assert_eq!(receipt["size"], report.bytes.len());
    assert_eq!(receipt["report_id"].as_str(), report.report_id.as_deref());
    assert_eq!(receipt["server"], "Red de Defensoras");
    srv.minisign_verifies(json, status["receipt"]["minisig"].as_str().unwrap());
    // Stored once, under its hash, byte for byte, and listed.
    assert_eq!(
        srv.stored_files().await,
        vec![format!("reports/{}", report.sha256)]
    );
    assert_eq!(srv.chunk_files().await, Vec::<String>::new());
    let listed = srv.list();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let exported = srv.tmp.path().join("exported.zip");
    srv.cli(&["export", &receipt_id, "--out", exported.to_str().unwrap()]);
    assert_eq!(std::fs::read(&exported).unwrap(), report.bytes);
}

async fn a_tampered_report_is_refused_in_both_languages_and_nothing_is_kept(storage: Storage) {
    let srv = Server::start(storage).await;
    let mut report = Report::seal(&srv.tmp, "tampered").await;
    // One bit inside the archive, then announced with its new hash, as an
    // attacker in the middle would.
    let n = report.bytes.len() / 2;
    report.bytes[n] ^= 0x01;
    report.sha256 = hex::encode(sha2::Sha256::digest(&report.bytes));
    let (status, body) = srv.upload_whole(&report).await;
    assert_eq!(status, 422, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        v["error"].as_str().unwrap().contains("does not verify"),
        "{v}"
    );
    assert!(
        v["error_es"]
            .as_str()
            .unwrap()
            .contains("no pasa la verificación"),
        "{v}"
    );
    assert_eq!(srv.list().as_array().unwrap().len(), 0);
    assert_eq!(srv.stored_files().await, Vec::<String>::new());

    // A report whose bytes are not the ones announced is refused too.
    let mut report = Report::seal(&srv.tmp, "wrong-hash").await;
    report.sha256 = "0".repeat(64);
    let (status, body) = srv.upload_whole(&report).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("not the"), "{body}");
    assert_eq!(srv.stored_files().await, Vec::<String>::new());

    // And a file that is not a sealed report at all.
    let junk = Report::raw(b"hola, esto no es un ZIP".to_vec(), "ABCDEF0123456789");
    let (status, body) = srv.upload_whole(&junk).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(srv.stored_files().await, Vec::<String>::new());
    assert_eq!(srv.chunk_files().await, Vec::<String>::new());
}

async fn a_corrupted_chunk_is_refused_by_its_checksum_and_sent_again(storage: Storage) {
    let srv = Server::start(storage).await;
    let report = Report::seal(&srv.tmp, "chunks").await;
    let url = srv.create(&report).await;
    let half = report.bytes.len() / 2;
    let good = &report.bytes[..half];
    let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(good));
    let mut damaged = good.to_vec();
    damaged[10] ^= 0xff;
    let r = srv
        .patch(&url, 0, damaged, Some(format!("sha256 {digest}")))
        .await;
    assert_eq!(r.status().as_u16(), 460);
    assert_eq!(
        srv.offset(&url).await,
        0,
        "nothing of a refused chunk is kept"
    );
    assert_eq!(srv.chunk_files().await, Vec::<String>::new());
    let r = srv
        .patch(&url, 0, good.to_vec(), Some(format!("sha256 {digest}")))
        .await;
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(srv.offset(&url).await, half as u64);
    let id = url.rsplit('/').next().unwrap();
    assert_eq!(
        srv.chunk_files().await,
        vec![format!("uploads/{id}/{:020}", 0)]
    );
    // A PATCH at the wrong offset is a conflict, and says the right one.
    let r = srv.patch(&url, 0, good.to_vec(), None).await;
    assert_eq!(r.status().as_u16(), 409);
    assert_eq!(r.headers()["upload-offset"], half.to_string().as_str());
    let r = srv
        .patch(&url, half as u64, report.bytes[half..].to_vec(), None)
        .await;
    assert_eq!(r.status().as_u16(), 204);
    assert!(r.headers().contains_key("testigo-receipt-id"));
    assert_eq!(srv.chunk_files().await, Vec::<String>::new());
    assert_eq!(srv.stored_files().await.len(), 1);
}

async fn a_server_killed_mid_upload_resumes_from_its_offset_after_a_restart(storage: Storage) {
    let mut srv = Server::start(storage).await;
    let report = Report::seal(&srv.tmp, "restart").await;
    let url = srv.create(&report).await;
    let third = report.bytes.len() / 3;
    assert_eq!(
        srv.patch(&url, 0, report.bytes[..third].to_vec(), None)
            .await
            .status()
            .as_u16(),
        204
    );
    srv.kill();
    srv.restart().await;
    let offset = srv.offset(&url).await;
    assert_eq!(offset, third as u64);
    let r = srv
        .patch(&url, offset, report.bytes[third..].to_vec(), None)
        .await;
    assert_eq!(r.status().as_u16(), 204);
    let receipt_id = r.headers()["testigo-receipt-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(srv.receipt(&receipt_id).await["verification"], "verified");

    // Every byte arrived but finishing failed (here: its scratch folder is
    // unusable): the upload waits, whole, for a retry. An empty PATCH
    // finishes it once the server can...
    let report = Report::seal(&srv.tmp, "restart-2").await;
    let url = srv.create(&report).await;
    srv.break_scratch(true);
    let r = srv.patch(&url, 0, report.bytes.clone(), None).await;
    assert_eq!(r.status().as_u16(), 500);
    assert_eq!(srv.offset(&url).await, report.bytes.len() as u64);
    srv.break_scratch(false);
    let r = srv
        .patch(&url, report.bytes.len() as u64, Vec::new(), None)
        .await;
    assert_eq!(r.status().as_u16(), 204, "{:?}", r.text().await);
    // ...and a restart finishes it on its own.
    let report = Report::seal(&srv.tmp, "restart-3").await;
    let url = srv.create(&report).await;
    srv.break_scratch(true);
    assert_eq!(
        srv.patch(&url, 0, report.bytes.clone(), None)
            .await
            .status()
            .as_u16(),
        500
    );
    srv.break_scratch(false);
    srv.restart().await;
    let head = srv.head(&url).await;
    assert!(
        head.headers().contains_key("testigo-receipt-id"),
        "{:?}",
        head.headers()
    );
    assert_eq!(srv.list().as_array().unwrap().len(), 3);
}

async fn the_same_report_sent_twice_is_stored_once_with_one_receipt(storage: Storage) {
    let srv = Server::start(storage).await;
    let report = Report::seal(&srv.tmp, "twice").await;
    let (s1, _) = srv.upload_whole(&report).await;
    let first = srv.last_receipt_id.lock().unwrap().clone();
    let (s2, _) = srv.upload_whole(&report).await;
    let second = srv.last_receipt_id.lock().unwrap().clone();
    assert_eq!((s1, s2), (204, 204));
    assert_eq!(first, second);
    assert_eq!(srv.list().as_array().unwrap().len(), 1);
    assert_eq!(srv.stored_files().await.len(), 1);
}

async fn an_encrypted_report_is_verified_with_the_identity_or_kept_for_staff_without_it(
    storage: Storage,
) {
    let srv = Server::start(storage).await;
    let recipient = srv.org()["org"]["age_recipient"]
        .as_str()
        .unwrap()
        .to_string();
    let report = Report::seal_to(&srv.tmp, "encrypted", &recipient).await;
    let (status, body) = srv.upload_whole(&report).await;
    assert_eq!(status, 204, "{body}");
    let id = srv.last_receipt_id.lock().unwrap().clone().unwrap();
    let st = srv.receipt(&id).await;
    assert_eq!(st["verification"], "verified");
    let receipt: serde_json::Value =
        serde_json::from_str(st["receipt"]["json"].as_str().unwrap()).unwrap();
    assert_eq!(receipt["encrypted"], true);
    assert_eq!(receipt["report_id"].as_str(), report.report_id.as_deref());

    // The organization moves its identity offline.
    std::fs::remove_file(srv.dir().join("identity.age")).unwrap();
    let report = Report::seal_to(&srv.tmp, "offline", &recipient).await;
    let (status, body) = srv.upload_whole(&report).await;
    assert_eq!(status, 204, "{body}");
    let id = srv.last_receipt_id.lock().unwrap().clone().unwrap();
    let st = srv.receipt(&id).await;
    assert_eq!(st["verification"], "verify_on_staff_machine");
    srv.minisign_verifies(
        st["receipt"]["json"].as_str().unwrap(),
        st["receipt"]["minisig"].as_str().unwrap(),
    );
}

async fn limits_refuse_oversized_reports_quotas_and_bad_requests(storage: Storage) {
    let srv = Server::start_with(storage, |c| {
        c.replace(
            "max_report_bytes = 4294967296",
            "max_report_bytes = 1000000",
        )
        .replace("ip_quota_bytes = 8589934592", "ip_quota_bytes = 1500000")
    })
    .await;
    let client = reqwest::Client::new();
    let create = |len: u64, meta_header: String| {
        client
            .post(format!("{}/uploads", srv.url))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", len.to_string())
            .header("Upload-Metadata", meta_header)
            .send()
    };
    let m = meta(&"a".repeat(64), "r.zip", "ABCDEF0123456789");
    assert_eq!(
        create(2_000_000, m.clone())
            .await
            .unwrap()
            .status()
            .as_u16(),
        413
    );
    assert_eq!(
        create(900_000, m.clone()).await.unwrap().status().as_u16(),
        201
    );
    // Over the address's quota while the first is unfinished.
    let r = create(900_000, m.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.text().await.unwrap().contains("demasiado"));
    // Metadata without the hash, and no Tus-Resumable.
    assert_eq!(
        create(10, meta("", "r.zip", "ABCDEF0123456789"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        400
    );
    let r = client
        .post(format!("{}/uploads", srv.url))
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 412);
    // A body over 64 KiB on a route that is not an upload.
    let r = client
        .post(format!("{}/inbox/login", srv.url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 200_000])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    // An id that is no upload. A new connection: the server may close the
    // one whose body it refused unread, and a pooled reuse would race that.
    let r = reqwest::Client::new()
        .head(format!("{}/uploads/..%2Fetc", srv.url))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

async fn abandoned_uploads_expire_and_leave_nothing(storage: Storage) {
    let srv = Server::start_with(storage, |c| {
        c.replace("upload_expiry_hours = 72", "upload_expiry_hours = 0")
    })
    .await;
    let report = Report::seal(&srv.tmp, "abandoned").await;
    let url = srv.create(&report).await;
    assert_eq!(
        srv.patch(&url, 0, report.bytes[..1000].to_vec(), None)
            .await
            .status()
            .as_u16(),
        204
    );
    // The housekeeping runs at start and every minute: restart to run it now.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut srv = srv;
    srv.restart().await;
    let r = reqwest::Client::new()
        .head(&url)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(srv.chunk_files().await, Vec::<String>::new());
}

async fn a_link_cut_mid_chunk_resumes_from_the_servers_offset(storage: Storage) {
    let srv = Server::start(storage).await;
    let report = tokio::task::block_in_place(|| Report::seal_large(&srv.tmp, 4 << 20));
    let path = srv.tmp.path().join("large.zip");
    std::fs::write(&path, &report.bytes).unwrap();
    // The link drops after 2 MB: some chunks are in, one is cut.
    let proxy = support::FlippingProxy::start_with(&srv.url, support::Harm::Cut(2 << 20)).await;
    let up = testigo_core::submission::send::Upload {
        server: &proxy.url,
        path: &path,
        sha256: &report.sha256,
        size: report.bytes.len() as u64,
        key_id: &report.key_id,
        filename: "large.zip",
    };
    use testigo_core::submission::send::{Outcome, Step, send};
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let client = reqwest::Client::new();
    let mut steps = Vec::new();
    let first = send(
        &client,
        &up,
        None,
        256 * 1024,
        &mut |s| {
            steps.push(s);
            Ok(())
        },
        &cancel,
    )
    .await
    .unwrap();
    assert!(matches!(first, Outcome::Retry(_)), "{first:?}");
    let url = steps
        .iter()
        .find_map(|s| match s {
            Step::Created(u) => Some(u.clone()),
            _ => None,
        })
        .unwrap();
    let held = srv.offset(&url.replace(&proxy.url, &srv.url)).await;
    assert!(held > 0 && held < report.bytes.len() as u64, "{held}");
    // Again, over the mended link: from where the server is, not from 0.
    let mut again = Vec::new();
    let second = send(
        &client,
        &up,
        Some(url),
        256 * 1024,
        &mut |s| {
            again.push(s);
            Ok(())
        },
        &cancel,
    )
    .await
    .unwrap();
    assert!(matches!(second, Outcome::Received(_)), "{second:?}");
    assert_eq!(
        again.first(),
        Some(&Step::Sent {
            offset: held,
            chunk: 256 * 1024
        })
    );
}

async fn fifty_reports_sent_at_once_are_each_stored_once_with_a_receipt(storage: Storage) {
    let srv = Server::start(storage).await;
    // Fifty different reports: one vault, a case and a note each.
    let reports = tokio::task::block_in_place(|| Report::seal_many(&srv.tmp, 50));
    let client = reqwest::Client::new();
    let paths: Vec<_> = (0..reports.len())
        .map(|i| {
            let path = srv.tmp.path().join(format!("many-{i}.zip"));
            std::fs::write(&path, &reports[i].bytes).unwrap();
            path
        })
        .collect();
    // All at once, on one task: fifty uploads in flight together.
    let sends = reports.iter().zip(&paths).map(|(report, path)| {
        let client = &client;
        let url = &srv.url;
        async move {
            let up = testigo_core::submission::send::Upload {
                server: url,
                path,
                sha256: &report.sha256,
                size: report.bytes.len() as u64,
                key_id: &report.key_id,
                filename: "many.zip",
            };
            let cancel = std::sync::atomic::AtomicBool::new(false);
            let mut step = |_| Ok(());
            testigo_core::submission::send::send(client, &up, None, 64 * 1024, &mut step, &cancel)
                .await
        }
    });
    let outcomes = futures_util::future::join_all(sends).await;
    let key = testigo_core::PublicKeyInfo::parse(&srv.cli(&["key"])).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (outcome, report) in outcomes.into_iter().zip(&reports) {
        match outcome.unwrap() {
            testigo_core::submission::send::Outcome::Received(signed) => {
                let r = signed.verify(&key).unwrap();
                assert_eq!(r.sha256, report.sha256);
                assert!(ids.insert(r.receipt_id));
            }
            other => panic!("not received: {other:?}"),
        }
    }
    assert_eq!(ids.len(), 50);
    assert_eq!(srv.list().as_array().unwrap().len(), 50);
    assert_eq!(srv.stored_files().await.len(), 50);
    assert_eq!(srv.chunk_files().await, Vec::<String>::new());
}

async fn a_chunk_corrupted_in_flight_is_refused_and_sent_again(storage: Storage) {
    let srv = Server::start(storage).await;
    let report = Report::seal(&srv.tmp, "in-flight").await;
    // A proxy on 127.0.0.1 that flips one byte of what the client sends,
    // once, well inside the first chunk's body.
    let proxy = support::FlippingProxy::start(&srv.url, 4000).await;
    let path = srv.tmp.path().join("in-flight.zip");
    std::fs::write(&path, &report.bytes).unwrap();
    let up = testigo_core::submission::send::Upload {
        server: &proxy.url,
        path: &path,
        sha256: &report.sha256,
        size: report.bytes.len() as u64,
        key_id: &report.key_id,
        filename: "in-flight.zip",
    };
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let mut steps = Vec::new();
    let mut step = |s| {
        steps.push(s);
        Ok(())
    };
    let out = testigo_core::submission::send::send(
        &reqwest::Client::new(),
        &up,
        None,
        64 * 1024,
        &mut step,
        &cancel,
    )
    .await
    .unwrap();
    assert!(proxy.flipped(), "the proxy changed nothing");
    match out {
        testigo_core::submission::send::Outcome::Received(signed) => {
            let key = testigo_core::PublicKeyInfo::parse(&srv.cli(&["key"])).unwrap();
            assert_eq!(signed.verify(&key).unwrap().sha256, report.sha256);
        }
        other => panic!("not received: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_certificate_in_the_configuration_it_speaks_only_tls() {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let mut srv = Server::start_with(Storage::Local, |c| {
        c.replace(
            "[storage]",
            &format!("[tls]\ncert = {cert_path:?}\nkey = {key_path:?}\n\n[storage]"),
        )
    })
    .await;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .unwrap();
    let https = srv.url.replace("http://", "https://");
    let r = client
        .get(format!("{https}/org.testigo-org"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("testigo-org/1"));
    // Plain HTTP gets no answer from it.
    let plain = reqwest::get(format!("{}/org.testigo-org", srv.url)).await;
    assert!(!plain.is_ok_and(|r| r.status().is_success()));
    srv.kill();
}

/// Every test above, against each storage: SQLite and a folder (one
/// machine, nothing else installed); a shared PostgreSQL with the folder;
/// and PostgreSQL with a bucket in Garage, a real S3-compatible server
/// (both started by `scripts/services.sh` on 127.0.0.1).
macro_rules! on_each_storage {
    ($($name:ident),* $(,)?) => {
        mod sqlite_and_folder {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(super::Storage::Local).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(super::Storage::Postgres).await
                }
            )*
        }
        mod postgres_and_garage {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$name(super::Storage::PostgresS3).await
                }
            )*
        }
    };
}

on_each_storage!(
    tuspy_sends_a_report_and_the_receipt_verifies_with_minisign,
    a_tampered_report_is_refused_in_both_languages_and_nothing_is_kept,
    a_corrupted_chunk_is_refused_by_its_checksum_and_sent_again,
    a_server_killed_mid_upload_resumes_from_its_offset_after_a_restart,
    the_same_report_sent_twice_is_stored_once_with_one_receipt,
    an_encrypted_report_is_verified_with_the_identity_or_kept_for_staff_without_it,
    limits_refuse_oversized_reports_quotas_and_bad_requests,
    abandoned_uploads_expire_and_leave_nothing,
    staff_log_in_see_the_report_and_set_its_status_and_forms_need_their_token,
    fifty_reports_sent_at_once_are_each_stored_once_with_a_receipt,
    a_chunk_corrupted_in_flight_is_refused_and_sent_again,
    an_expired_session_goes_back_to_the_login,
    a_link_cut_mid_chunk_resumes_from_the_servers_offset,
);
