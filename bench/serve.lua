-- bench/serve.lua -- wrk script of bench/serve: the analyst's API token as
-- a Bearer credential on every request, and one summary line at the end.
local token = os.getenv("TK_TOKEN")
wrk.headers["Authorization"] = "Bearer " .. token

done = function(summary, latency, requests)
    local e = summary.errors
    local failed = e.connect + e.read + e.write + e.timeout + e.status
    io.write(string.format(
        "tenken: %d requests in %.1f s, %.0f requests/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, errors %d (non-2xx %d)\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        failed, e.status))
end
