package io.deskpool.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recent requests: a bounded in-memory ring for {@code /request_logs} and the dashboard (both for the admin token
 * only), and an append-only JSON lines file. Entries carry a token label, a path with any token in it replaced by its
 * label, and never a query string or a body, so no secret is ever written. The file is written by a background
 * thread every 200 ms, so a request never waits for the disk.
 */
final class RequestLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RequestLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN_PATH = "/v1/tokens/";

    /** A request's path as logs may show it: the token in {@code /v1/tokens/<token>} replaced by its label. */
    static String loggedPath(Context ctx, TokenRedactor labels) {
        String path = ctx.path();
        if (!path.startsWith(TOKEN_PATH)) {
            return path;
        }
        String token = ctx.pathParamMap().get("token");
        if (token == null) { // no route matched: whatever follows is treated as a token
            token = path.substring(TOKEN_PATH.length());
        }
        return TOKEN_PATH + labels.redact(token);
    }

    record Entry(String ts, String method, String path, int status, double durationMs, String token, String ip) {
        Map<String, Object> toJson() {
            var m = new LinkedHashMap<String, Object>();
            m.put("ts", ts);
            m.put("method", method);
            m.put("path", path);
            m.put("status", status);
            m.put("duration_ms", Math.round(durationMs * 10) / 10.0);
            m.put("token", token);
            m.put("ip", ip);
            return m;
        }
    }

    private final int capacity;
    private final ArrayDeque<Entry> recent;
    private final BufferedWriter file;
    private final java.util.concurrent.ConcurrentLinkedQueue<Entry> unwritten = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.ScheduledExecutorService writer;
    /** Entries not written since the file stopped taking writes (a full disk); 0 while writes work. */
    private long unwrittenSinceFailure;

    RequestLog(int capacity, Path file) {
        this.capacity = capacity;
        this.recent = new ArrayDeque<>(Math.min(capacity, 4096));
        BufferedWriter writer = null;
        try {
            Files.createDirectories(file.getParent());
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.warn("Request log file {} cannot be written ({}); keeping requests in memory only", file, e.getMessage());
        }
        this.file = writer;
        this.writer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deskpool-request-log");
            t.setDaemon(true);
            return t;
        });
        if (file != null) {
            this.writer.scheduleWithFixedDelay(this::writePending, 200, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    void add(Entry entry) {
        synchronized (this) {
            if (recent.size() == capacity) {
                recent.pollFirst();
            }
            if (capacity > 0) {
                recent.addLast(entry);
            }
        }
        if (file != null) {
            unwritten.add(entry);
        }
    }

    /** Appends what was logged since the last call and flushes; runs on the writer thread and at close. */
    private void writePending() {
        synchronized (unwritten) {
            Entry e;
            boolean any = false;
            try {
                while ((e = unwritten.poll()) != null) {
                    file.write(JSON.writeValueAsString(e.toJson()));
                    file.newLine();
                    any = true;
                }
                if (any) {
                    file.flush();
                }
                if (any && unwrittenSinceFailure > 0) {
                    log.info("The request log file takes writes again, after {} failed writes (their entries are lost)",
                            unwrittenSinceFailure);
                    unwrittenSinceFailure = 0;
                }
            } catch (IOException ex) {
                // Once per outage, not every 200 ms while the disk stays full.
                if (unwrittenSinceFailure == 0) {
                    log.warn("Writing the request log failed: {}; requests stay in memory (/request_logs) until it "
                            + "takes writes again", ex.getMessage());
                }
                unwrittenSinceFailure++;
            }
        }
    }

    /** The newest {@code limit} entries, oldest first; 0 = all kept. */
    synchronized List<Entry> recent(int limit) {
        var all = new ArrayList<>(recent);
        return limit <= 0 || limit >= all.size() ? all : all.subList(all.size() - limit, all.size());
    }

    @Override
    public void close() {
        writer.shutdownNow();
        if (file != null) {
            writePending();
            try {
                file.close();
            } catch (IOException ignored) {
                // closing at shutdown; nothing to do
            }
        }
    }
}
