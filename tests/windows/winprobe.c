/* Test scaffolding for Wine, never shipped: what the Windows desktop shows, read from inside the
 * Wine prefix by a Windows program, for tests/windows.rs.
 *
 *   winprobe windows         one line per top-level window (and per child of Wine's tray and of
 *                            dialogs), tab-separated: kind, hwnd, pid, class, visible, style,
 *                            "x,y,w,h", title, text
 *   winprobe press HWND ID   presses the button ID of the dialog HWND (IDOK = 1), as a click does
 *
 * "text" is a dialog's static texts and buttons, or a tooltip's tool text and title (Wine 8.0
 * does not answer TTM_GETTITLE: there the title stays out). A tooltip
 * (Wine's tray tooltips and balloons) keeps its text in its own process, explorer.exe, so it is
 * read the way accessibility tools read other processes' controls: a TTTOOLINFOW and a buffer
 * are placed in that process's memory, the tooltip is asked to fill them, and they are read back.
 *
 * Built with MinGW by `cargo xtask test` (xtask/src/windows/wine.rs). */
#include <windows.h>
#include <commctrl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_CHARS 1024

/* Prints a wide string as UTF-8, tabs and line breaks as spaces (one record per line). */
static void put(const WCHAR *text)
{
    char out[4 * TEXT_CHARS];
    WCHAR clean[TEXT_CHARS];
    int i;
    for (i = 0; text[i] && i < TEXT_CHARS - 1; i++)
        clean[i] = (text[i] == L'\t' || text[i] == L'\r' || text[i] == L'\n') ? L' ' : text[i];
    clean[i] = 0;
    if (WideCharToMultiByte(CP_UTF8, 0, clean, -1, out, sizeof(out), NULL, NULL) > 0)
        fputs(out, stdout);
}

/* Appends `more` to `text` (capacity TEXT_CHARS), with " | " between pieces. */
static void append(WCHAR *text, const WCHAR *more)
{
    size_t used = wcslen(text);
    if (!more[0]) return;
    if (used) _snwprintf(text + used, TEXT_CHARS - used, L" | ");
    used = wcslen(text);
    _snwprintf(text + used, TEXT_CHARS - used, L"%ls", more);
    text[TEXT_CHARS - 1] = 0;
}

/* A tooltip's first tool text and its title, read through the tooltip's own process. */
static void tooltip_text(HWND tip, WCHAR *text)
{
    struct remote_block
    {
        TTTOOLINFOW info;
        TTGETTITLE title;
        WCHAR tool_text[TEXT_CHARS];
        WCHAR title_text[TEXT_CHARS];
    } local;
    struct remote_block *remote;
    DWORD pid = 0;
    HANDLE process;

    GetWindowThreadProcessId(tip, &pid);
    process = OpenProcess(PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_VM_WRITE, FALSE, pid);
    if (!process) return;
    remote = VirtualAllocEx(process, NULL, sizeof(local), MEM_COMMIT, PAGE_READWRITE);
    if (remote)
    {
        memset(&local, 0, sizeof(local));
        local.info.cbSize = sizeof(local.info);
        WriteProcessMemory(process, remote, &local, sizeof(local), NULL);
        if (SendMessageW(tip, TTM_ENUMTOOLSW, 0, (LPARAM)&remote->info)
            && ReadProcessMemory(process, remote, &local, sizeof(local), NULL))
        {
            local.info.lpszText = remote->tool_text;
            local.title.dwSize = sizeof(local.title);
            local.title.cch = TEXT_CHARS;
            local.title.pszTitle = remote->title_text;
            WriteProcessMemory(process, remote, &local, sizeof(local), NULL);
            SendMessageW(tip, TTM_GETTEXTW, TEXT_CHARS, (LPARAM)&remote->info);
            SendMessageW(tip, TTM_GETTITLE, 0, (LPARAM)&remote->title);
            if (ReadProcessMemory(process, remote, &local, sizeof(local), NULL))
            {
                local.tool_text[TEXT_CHARS - 1] = 0;
                local.title_text[TEXT_CHARS - 1] = 0;
                append(text, local.title_text);
                append(text, local.tool_text);
            }
        }
        VirtualFreeEx(process, remote, 0, MEM_RELEASE);
    }
    CloseHandle(process);
}

/* A control's text as the control itself has it (an edit box keeps its own), asked with
 * WM_GETTEXT, which Windows carries across processes; a hung window is given up on. */
static BOOL CALLBACK child_text(HWND child, LPARAM param)
{
    WCHAR piece[TEXT_CHARS];
    DWORD_PTR copied = 0;
    piece[0] = 0;
    if (!SendMessageTimeoutW(child, WM_GETTEXT, TEXT_CHARS, (LPARAM)piece, SMTO_ABORTIFHUNG, 1000, &copied))
        piece[0] = 0;
    piece[TEXT_CHARS - 1] = 0;
    append((WCHAR *)param, piece);
    return TRUE;
}

static void describe(const char *kind, HWND hwnd);

static BOOL CALLBACK each_child(HWND child, LPARAM param)
{
    (void)param;
    describe("child", child);
    return TRUE;
}

static void describe(const char *kind, HWND hwnd)
{
    WCHAR class_name[256], title[TEXT_CHARS], text[TEXT_CHARS];
    DWORD pid = 0;
    RECT rect;
    BOOL is_dialog, is_tooltip, is_tray;

    class_name[0] = title[0] = text[0] = 0;
    GetClassNameW(hwnd, class_name, 256);
    GetWindowTextW(hwnd, title, TEXT_CHARS);
    GetWindowThreadProcessId(hwnd, &pid);
    GetWindowRect(hwnd, &rect);
    is_dialog = !wcscmp(class_name, L"#32770");
    is_tooltip = !wcscmp(class_name, TOOLTIPS_CLASSW);
    /* Wine's tray: explorer's taskbar, or the X11 driver's stand-alone tray window. */
    is_tray = !wcscmp(class_name, L"Shell_TrayWnd") || !wcscmp(class_name, L"__winex11_standalone_tray");
    if (is_dialog) EnumChildWindows(hwnd, child_text, (LPARAM)text);
    if (is_tooltip) tooltip_text(hwnd, text);

    printf("%s\t%p\t%lu\t", kind, (void *)hwnd, (unsigned long)pid);
    put(class_name);
    printf("\t%d\t%08lx\t%ld,%ld,%ld,%ld\t", IsWindowVisible(hwnd) ? 1 : 0,
           (unsigned long)GetWindowLongW(hwnd, GWL_STYLE), rect.left, rect.top,
           rect.right - rect.left, rect.bottom - rect.top);
    put(title);
    putchar('\t');
    put(text);
    putchar('\n');
    if (is_tray) EnumChildWindows(hwnd, each_child, 0);
}

static BOOL CALLBACK each_window(HWND hwnd, LPARAM param)
{
    (void)param;
    describe("top", hwnd);
    return TRUE;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "windows"))
    {
        EnumWindows(each_window, 0);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "press"))
    {
        HWND dialog = (HWND)(UINT_PTR)_strtoui64(argv[2], NULL, 16);
        int id = atoi(argv[3]);
        HWND button = GetDlgItem(dialog, id);
        if (!button)
        {
            fprintf(stderr, "winprobe: window %s has no button %d\n", argv[2], id);
            return 1;
        }
        PostMessageW(dialog, WM_COMMAND, MAKEWPARAM(id, BN_CLICKED), (LPARAM)button);
        return 0;
    }
    fprintf(stderr, "usage: winprobe windows | winprobe press HWND ID\n");
    return 2;
}
