//! Order-stream files (`docs/ORDER_STREAM.md`), and running them through the engine with
//! per-message latency histograms. (Stub, being written.)
