//! The staff inbox: logging in, sessions, CSRF tokens and what staff see,
//! over HTTP on each storage (listed in `on_each_storage!` in `intake.rs`),
//! and in a real browser ([`browser`]).

mod browser;

use crate::support::{self, Report, Server, Storage};

/// The login page's HTML.
async fn login_page(client: &reqwest::Client, url: &str) -> String {
    client
        .get(format!("{url}/inbox/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Posts the login form as `ana`, with the form's token.
async fn log_in(
    client: &reqwest::Client,
    url: &str,
    csrf: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(format!("{url}/inbox/login"))
        .form(&[("csrf", csrf), ("user", "ana"), ("password", password)])
        .send()
        .await
        .unwrap()
}

pub async fn staff_log_in_see_the_report_and_set_its_status_and_forms_need_their_token(
    storage: Storage,
) {
    let srv = Server::start(storage).await;
    srv.cli_with_env(
        &["user", "add", "ana"],
        &[("TESTIGO_INTAKE_PASSWORD", "una contraseña larga")],
    );
    let report = Report::seal(&srv.tmp, "inbox").await;
    srv.upload_whole(&report).await;
    let receipt_id = srv.last_receipt_id.lock().unwrap().clone().unwrap();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Not logged in: to the login page.
    let r = client
        .get(format!("{}/inbox", srv.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let page = login_page(&client, &srv.url).await;
    assert!(page.contains("Entrar a la bandeja"), "{page}");
    let csrf = support::hidden(&page, "csrf");
    // Without the form's token: refused.
    let r = client
        .post(format!("{}/inbox/login", srv.url))
        .form(&[("user", "ana"), ("password", "una contraseña larga")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // A wrong password.
    let r = log_in(&client, &srv.url, &csrf, "otra contraseña").await;
    assert_eq!(r.status().as_u16(), 401);
    let page = r.text().await.unwrap();
    assert!(page.contains("Usuario o contraseña incorrectos"), "{page}");
    let csrf = support::hidden(&page, "csrf");
    let r = log_in(&client, &srv.url, &csrf, "una contraseña larga").await;
    assert_eq!(r.status().as_u16(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let list = client
        .get(format!("{}/inbox", srv.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&receipt_id), "{list}");
    assert!(list.contains("verificado"), "{list}");
    let show = client
        .get(format!("{}/inbox/reports/{receipt_id}?lang=en", srv.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The reporter's text is shown, escaped: never as HTML.
    assert!(show.contains("Amenaza &lt;b&gt;recibida"), "{show}");
    assert!(!show.contains("<b>recibida"), "{show}");
    assert!(show.contains("Open the packet (PDF)"), "{show}");
    let pdf = client
        .get(format!("{}/inbox/reports/{receipt_id}/packet.pdf", srv.url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let file = client
        .get(format!("{}/inbox/reports/{receipt_id}/file", srv.url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(file.as_ref(), report.bytes.as_slice());
    let token = support::hidden(&show, "csrf");
    // A status change without the session's token is refused; with it, kept.
    let r = client
        .post(format!("{}/inbox/reports/{receipt_id}/status", srv.url))
        .form(&[("csrf", "0".repeat(64).as_str()), ("status", "closed")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = client
        .post(format!("{}/inbox/reports/{receipt_id}/status", srv.url))
        .form(&[("csrf", token.as_str()), ("status", "in_review")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(srv.receipt(&receipt_id).await["status"], "in_review");
}

pub async fn an_expired_session_goes_back_to_the_login(storage: Storage) {
    let srv = Server::start(storage).await;
    srv.cli_with_env(
        &["user", "add", "ana"],
        &[("TESTIGO_INTAKE_PASSWORD", "una contraseña larga")],
    );
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = login_page(&client, &srv.url).await;
    let csrf = support::hidden(&page, "csrf");
    let r = log_in(&client, &srv.url, &csrf, "una contraseña larga").await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        client
            .get(format!("{}/inbox", srv.url))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    srv.expire_sessions().await;
    let r = client
        .get(format!("{}/inbox", srv.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/inbox/login");
}
