package io.deskpool.env;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedactedUrlTest {
    @Test
    void query_string_user_info_and_fragment_are_left_out() {
        assertThat(RedactedUrl.of("https://user:pw@files.example:8443/a/b.xlsx?token=SECRET#x"))
                .isEqualTo("https://<redacted>@files.example:8443/a/b.xlsx?<redacted>");
    }

    @Test
    void a_plain_url_is_shown_as_it_is() {
        assertThat(RedactedUrl.of("http://files.example/a.txt")).isEqualTo("http://files.example/a.txt");
    }

    @Test
    void text_that_is_no_url_still_loses_what_follows_a_question_mark() {
        assertThat(RedactedUrl.of("http://x y/z?token=SECRET")).isEqualTo("http://x y/z?<redacted>");
        assertThat(RedactedUrl.of("http://u:SECRET@x y/")).doesNotContain("SECRET");
    }
}
