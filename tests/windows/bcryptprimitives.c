/* Test scaffolding for Wine 8.0, never shipped: Rust's standard library (1.78 and later) takes
 * its random bytes from ProcessPrng in bcryptprimitives.dll, which Windows 10 and 11 have and
 * Wine 8.0 does not. This stand-in gives the same bytes from RtlGenRandom (advapi32's
 * SystemFunction036), which Wine has. `cargo xtask test` builds it with MinGW and puts it in
 * the throw-away Wine prefix's system32 (xtask/src/windows/wine.rs). */
#include <windows.h>

BOOLEAN NTAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length)
    {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
