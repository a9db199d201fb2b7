fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .config_path("../tauri.conf.json")
            .app_manifest(tauri_build::AppManifest::new().commands(agentwatch_commands())),
    )
    .expect("failed to run tauri-build");
}

/// The app's own commands: each gets an `allow-<name>` permission, granted in
/// capabilities/default.json through the `app-commands` set (permissions/app.toml).
fn agentwatch_commands() -> &'static [&'static str] {
    &[
        "dashboard",
        "list_accounts",
        "save_account",
        "delete_account",
        "test_connection",
        "get_settings",
        "save_settings",
        "poll_now",
        "unlock_keyring",
        "pause_notifications",
        "app_info",
        "desktop_services",
        "switch_demo",
        "alerts",
        "snooze",
        "history",
        "timeline",
        "export_history_csv",
        "preview_sound",
        "start_maintenance",
        "end_maintenance",
        "routes",
        "set_webhook_url",
        "delete_webhook_url",
        "parse_watch_list",
        "list_agents",
        "set_fullscreen",
        "list_skills",
    ]
}
