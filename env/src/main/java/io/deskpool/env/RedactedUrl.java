package io.deskpool.env;

import java.net.URI;

/**
 * A URL as logs and error messages show it: scheme, host, port and path, without user info, query string or
 * fragment, which is where signed URLs and pasted links carry their tokens ({@code ?token=...}, {@code user:pass@}).
 */
final class RedactedUrl {
    private RedactedUrl() {
    }

    static String of(String url) {
        try {
            return of(URI.create(url));
        } catch (IllegalArgumentException e) {
            // Not a URL we could take apart: show only what comes before any query, user info or fragment.
            String s = url.split("[?#]", 2)[0];
            int at = s.lastIndexOf('@');
            int scheme = s.indexOf("://");
            if (at >= 0 && scheme >= 0 && at > scheme) {
                s = s.substring(0, scheme + 3) + "<redacted>@" + s.substring(at + 1);
            }
            return s + (s.length() < url.length() ? "?<redacted>" : "");
        }
    }

    static String of(URI u) {
        if (u.getHost() == null) {
            return u.getScheme() == null ? "<not a URL>" : u.getScheme() + ":<redacted>";
        }
        StringBuilder b = new StringBuilder();
        b.append(u.getScheme()).append("://");
        if (u.getRawUserInfo() != null) {
            b.append("<redacted>@");
        }
        b.append(u.getHost());
        if (u.getPort() >= 0) {
            b.append(':').append(u.getPort());
        }
        b.append(u.getRawPath() == null ? "" : u.getRawPath());
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            b.append("?<redacted>");
        }
        return b.toString();
    }
}
