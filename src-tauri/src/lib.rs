//! The Testigo desktop shell: wires the commands, the image scheme and the
//! plugins into a Tauri app. The work is done by the `testigo` core crate;
//! see `commands.rs` for the UI's contract, whose TypeScript bindings are
//! generated into `ui/src/lib/bindings.ts` by [`specta_builder`].

mod analysis;
mod commands;
mod dialogs;
mod error;
mod grants;
mod links;
mod protocol;
mod reports;
mod state;
mod submissions;
mod work;

use tauri::Manager;
use tauri_specta::{Builder, collect_commands, collect_events};

pub use error::{AppError, AppErrorKind};

/// Where the generated TypeScript bindings live, relative to this crate.
pub const BINDINGS: &str = "../ui/src/lib/bindings.ts";

/// Every command and event the UI may use, for the invoke handler and the bindings.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::app_status,
            commands::vocabulary,
            commands::set_ui_language,
            commands::create_vault,
            commands::unlock,
            commands::lock,
            commands::set_prefs,
            commands::list_cases,
            commands::create_case,
            commands::edit_case,
            commands::list_items,
            commands::search_items,
            commands::item_detail,
            commands::edit_item,
            commands::remove_item,
            commands::add_note,
            commands::import_bytes,
            commands::import_paths,
            commands::cancel_import,
            commands::accounts,
            commands::custody_log,
            commands::check_vault,
            commands::save_original,
            dialogs::choose_open,
            dialogs::choose_save,
            links::add_links,
            links::capture_links,
            links::save_warc,
            links::fetch_oembed,
            links::capture_settings,
            links::set_capture_setting,
            links::open_in_browser,
            reports::public_key,
            reports::export_public_key,
            reports::signer,
            reports::set_signer,
            reports::seal,
            reports::packet,
            reports::cancel_packet,
            reports::verify_bundle,
            reports::reveal,
            reports::open_written,
            submissions::orgs,
            submissions::add_org,
            submissions::sealed_reports,
            submissions::outbox,
            submissions::submit,
            submissions::pause_submission,
            submissions::retry_outbox,
            submissions::receipt,
            submissions::export_receipt,
            analysis::import_posts,
            analysis::analyze,
            analysis::cancel_analysis,
            analysis::analysis,
            analysis::export_analysis,
            analysis::campaign_items,
            analysis::post_source,
        ])
        .events(collect_events![
            commands::ImportProgress,
            dialogs::FilesDropped,
            links::CaptureProgress,
            reports::SealProgress,
            reports::PacketProgress,
            reports::VerifyProgress,
            submissions::OutboxProgress,
            submissions::OutboxError,
            analysis::AnalysisProgress
        ])
}

/// The TypeScript bindings, as text.
pub fn bindings() -> String {
    let path = std::env::temp_dir().join(format!("testigo-bindings-{}.ts", std::process::id()));
    specta_builder()
        .export(
            specta_typescript::Typescript::default()
                .bigint(specta_typescript::BigIntExportBehavior::Number)
                .header("// Generated from the Rust commands by tauri-specta: do not edit.\n// Regenerate with `cargo test -p testigo-desktop` (see src-tauri/src/lib.rs).\n"),
            &path,
        )
        .expect("the bindings export");
    let text = std::fs::read_to_string(&path).expect("read the exported bindings");
    let _ = std::fs::remove_file(&path);
    text
}

/// Builds and runs the app.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let builder = specta_builder();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(builder.invoke_handler())
        .register_uri_scheme_protocol("testigo", protocol::handle)
        .on_window_event(|window, event| {
            // Files dropped from the file manager arrive here before the
            // web view hears of them: the allow-list records them first.
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                dialogs::dropped(window.app_handle(), paths);
            }
        })
        .setup(move |app| {
            builder.mount_events(app);
            let config = app.path().app_config_dir()?;
            app.manage(state::AppState::load(&config));
            dialogs::watch_e2e_drops(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Testigo app");
}

#[cfg(test)]
mod tests {
    /// The committed bindings match the Rust commands. When this fails, the
    /// test has rewritten them: review and commit `ui/src/lib/bindings.ts`.
    #[test]
    fn typescript_bindings_are_up_to_date() {
        let fresh = super::bindings();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(super::BINDINGS);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != fresh {
            std::fs::write(&path, &fresh).unwrap();
            panic!(
                "ui/src/lib/bindings.ts was stale; it has been regenerated: review and commit it"
            );
        }
    }

    /// The custody-log views name every action in both languages.
    #[test]
    fn every_custody_action_is_translated() {
        for lang in ["es", "en"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("../ui/src/lib/locales/{lang}.json"));
            let text = std::fs::read_to_string(&path).unwrap();
            let locale: serde_json::Value = serde_json::from_str(&text).unwrap();
            for action in testigo_core::custody::Action::ALL {
                let label = &locale["log"]["actions"][action.as_str()];
                assert!(
                    label.as_str().is_some_and(|l| !l.is_empty()),
                    "{lang}.json has no log.actions.{}",
                    action.as_str()
                );
            }
        }
    }
}
