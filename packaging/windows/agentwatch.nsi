; AgentWatch for Windows: an NSIS installer for the desktop app and the CLI, with a Start-menu
; shortcut and an uninstaller. Per user (no administrator rights asked), like Tauri's own NSIS
; installers: %LOCALAPPDATA%\Programs\AgentWatch.
;
; Built by `cargo xtask package --windows` (release) and by `cargo xtask test`'s Windows lane
; (the lane's own build) with Debian's makensis (xtask/src/windows/installer.rs), which passes
; these defines:
;   VERSION          the workspace version, e.g. 0.1.0
;   DESKTOP_EXE      the built agentwatch-desktop.exe
;   CLI_EXE          the built agentwatch.exe
;   WEBVIEW2_LOADER  the WebView2Loader.dll the desktop app is linked against (cargo leaves it
;                    beside the built .exe; without it the app does not start)
;   ICON             src-tauri/icons/icon.ico
;   OUTFILE          where the installer goes
;
; Run on every `cargo xtask test` under Wine (tests/windows.rs): silent install, shortcut,
; uninstall key, the installed programs, the WebView2 question, silent uninstall.

Unicode true
; A 64-bit installer for 64-bit programs (Debian's makensis makes 32-bit ones unless told).
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user

!include "MUI2.nsh"
!include "LogicLib.nsh"

!define PRODUCT "AgentWatch"
!define PUBLISHER "AgentWatch"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${PRODUCT}"
; The value tauri-plugin-autostart writes for "start at login" (named after productName).
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define RUN_APPROVED_KEY "Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
; The Evergreen WebView2 runtime the dashboard needs (Windows 11 and current Windows 10 have it).
; Microsoft's documented places for its version ("pv"): per machine (32- and 64-bit views of the
; registry) and per user.
!define WEBVIEW2_CLIENT "Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_KEY "SOFTWARE\WOW6432Node\${WEBVIEW2_CLIENT}"
!define WEBVIEW2_KEY_64 "SOFTWARE\${WEBVIEW2_CLIENT}"
!define WEBVIEW2_KEY_USER "Software\${WEBVIEW2_CLIENT}"
!define WEBVIEW2_DOWNLOAD "https://developer.microsoft.com/microsoft-edge/webview2/"

Name "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${PRODUCT} installer"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "MIT licence"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\agentwatch-desktop.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${PRODUCT}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Section "AgentWatch" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; A running copy holds its exe open: it goes first (a tray app has no window to close; the
  ; history's SQLite journal keeps the database whole).
  nsExec::Exec 'taskkill /F /IM agentwatch-desktop.exe'
  Pop $0
  File "/oname=agentwatch-desktop.exe" "${DESKTOP_EXE}"
  File "/oname=WebView2Loader.dll" "${WEBVIEW2_LOADER}"
  File "/oname=agentwatch.exe" "${CLI_EXE}"
  File "/oname=agentwatch.ico" "${ICON}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\agentwatch-desktop.exe" "" "$INSTDIR\agentwatch.ico"

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\agentwatch.ico"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1

  ; Say so when the dashboard's web engine is missing; the tray and notifications work without
  ; it. (Tauri's installers download it instead: nothing here reaches outside the machine
  ; unless the user says yes.) A silent install asks nothing.
  ReadRegStr $0 HKLM "${WEBVIEW2_KEY}" "pv"
  ${If} $0 == ""
    ReadRegStr $0 HKLM "${WEBVIEW2_KEY_64}" "pv"
  ${EndIf}
  ${If} $0 == ""
    ReadRegStr $0 HKCU "${WEBVIEW2_KEY_USER}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    MessageBox MB_ICONINFORMATION|MB_YESNO "AgentWatch's dashboard needs Microsoft's WebView2 Runtime, which this computer does not have. AgentWatch works without it from the tray (icon, menu, notifications), but the dashboard will not open.$\r$\n$\r$\nGet the Evergreen WebView2 Runtime from Microsoft at ${WEBVIEW2_DOWNLOAD} (it is free).$\r$\n$\r$\nOpen that page now?" /SD IDNO IDNO webview2_done
    ExecShell "open" "${WEBVIEW2_DOWNLOAD}"
    webview2_done:
  ${EndIf}
SectionEnd

Section "Uninstall"
  nsExec::Exec 'taskkill /F /IM agentwatch-desktop.exe'
  Pop $0
  Delete "$INSTDIR\agentwatch-desktop.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\agentwatch.exe"
  Delete "$INSTDIR\agentwatch.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  ; Start at login, if it was turned on, would otherwise point at a removed exe.
  DeleteRegValue HKCU "${RUN_KEY}" "${PRODUCT}"
  DeleteRegValue HKCU "${RUN_APPROVED_KEY}" "${PRODUCT}"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  ; The per-user config and history (%APPDATA%\agentwatch) and the secrets in Credential
  ; Manager stay, as on Linux: a new install finds them again.
SectionEnd
