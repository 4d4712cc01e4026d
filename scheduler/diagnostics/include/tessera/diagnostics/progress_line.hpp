#pragma once
// The text of one progress bar line, in dask.diagnostics.ProgressBar's format, so that people
// who read Dask's bars read Tessera's the same way.

#include <string>

namespace tessera::diagnostics {

/// Elapsed time as Dask's bar shows it: " 1.2s", " 2min  5.0s", " 1hr  2min  3.0s".
std::string format_elapsed(double seconds);

/// One bar without the leading "\r": "[####    ] | 45% Completed |  1.2s"; `failed` replaces
/// "Completed" with "Failed". `fraction` is clamped to [0, 1].
std::string format_progress_line(double fraction, double elapsed_seconds, int width,
                                 bool failed = false);

}  // namespace tessera::diagnostics
