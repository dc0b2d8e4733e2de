use std::process::ExitCode;

/// mimalloc instead of the system allocator: JSON-LD processing clones many small maps, and
/// with glibc's malloc ldp_vp verification spends about 40% of its time allocating and freeing
/// (vc bench: 4.5 ms with glibc, 2.6 ms with mimalloc).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    hazel::cli::run()
}
