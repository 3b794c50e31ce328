#include "pyscript.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lexer --------------------------------------------------------------------- */

enum token_kind {
    TOK_NAME,
    TOK_NUMBER,
    TOK_STRING,
    TOK_PUNCT,   /* one of ( ) [ ] , = . : + - */
    TOK_NEWLINE, /* end of a statement: newline or ';' outside brackets */
    TOK_END,
};

struct token {
    enum token_kind kind;
    char punct;
    char *text; /* TOK_NAME / TOK_STRING (decoded) */
    size_t len;
    double number;
    int line;
};

struct lexer {
    const char *code;
    size_t pos;
    int line;
    int depth; /* bracket nesting; newlines inside brackets are ignored */
    struct token *tokens;
    size_t count;
    size_t cap;
    struct buffer *error;
};

static void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p) {
        fputs("deskpool-guest: out of memory\n", stderr);
        exit(70);
    }
    return p;
}

static void syntax_error(struct buffer *error, int line, const char *what)
{
    buffer_printf(error, "  File \"<string>\", line %d\nSyntaxError: %s\n", line, what);
}

static struct token *push_token(struct lexer *lx, enum token_kind kind)
{
    if (lx->count == lx->cap) {
        lx->cap = lx->cap ? lx->cap * 2 : 64;
        lx->tokens = xrealloc(lx->tokens, lx->cap * sizeof *lx->tokens);
    }
    struct token *t = &lx->tokens[lx->count++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->line = lx->line;
    return t;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void append_utf8(struct buffer *out, unsigned long cp)
{
    if (cp < 0x80) {
        buffer_append_char(out, (char)cp);
    } else if (cp < 0x800) {
        buffer_append_char(out, (char)(0xC0 | (cp >> 6)));
        buffer_append_char(out, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        buffer_append_char(out, (char)(0xE0 | (cp >> 12)));
        buffer_append_char(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buffer_append_char(out, (char)(0x80 | (cp & 0x3F)));
    } else {
        buffer_append_char(out, (char)(0xF0 | (cp >> 18)));
        buffer_append_char(out, (char)(0x80 | ((cp >> 12) & 0x3F)));
        buffer_append_char(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buffer_append_char(out, (char)(0x80 | (cp & 0x3F)));
    }
}

/* Decodes the escape after a backslash at lx->pos (pointing past the '\'). */
static bool lex_escape(struct lexer *lx, struct buffer *out)
{
    char c = lx->code[lx->pos++];
    switch (c) {
    case '\n': lx->line++; return true; /* line continuation inside a string */
    case '\\': buffer_append_char(out, '\\'); return true;
    case '\'': buffer_append_char(out, '\''); return true;
    case '"': buffer_append_char(out, '"'); return true;
    case 'n': buffer_append_char(out, '\n'); return true;
    case 't': buffer_append_char(out, '\t'); return true;
    case 'r': buffer_append_char(out, '\r'); return true;
    case 'a': buffer_append_char(out, '\a'); return true;
    case 'b': buffer_append_char(out, '\b'); return true;
    case 'f': buffer_append_char(out, '\f'); return true;
    case 'v': buffer_append_char(out, '\v'); return true;
    case 'x':
    case 'u':
    case 'U': {
        int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        unsigned long cp = 0;
        for (int i = 0; i < digits; i++) {
            int h = hex_value(lx->code[lx->pos]);
            if (h < 0) {
                syntax_error(lx->error, lx->line, "truncated escape sequence in string");
                return false;
            }
            cp = cp * 16 + (unsigned long)h;
            lx->pos++;
        }
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            syntax_error(lx->error, lx->line, "unsupported character escape");
            return false;
        }
        append_utf8(out, cp);
        return true;
    }
    case '\0':
        syntax_error(lx->error, lx->line, "unterminated string literal");
        return false;
    default:
        /* Python keeps unknown escapes verbatim. */
        buffer_append_char(out, '\\');
        buffer_append_char(out, c);
        return true;
    }
}

static bool lex_string(struct lexer *lx, bool raw)
{
    char quote = lx->code[lx->pos];
    bool triple = lx->code[lx->pos + 1] == quote && lx->code[lx->pos + 2] == quote;
    lx->pos += triple ? 3 : 1;
    struct buffer value = BUFFER_INIT;
    int start_line = lx->line;
    for (;;) {
        char c = lx->code[lx->pos];
        if (c == '\0' || (c == '\n' && !triple)) {
            syntax_error(lx->error, start_line, "unterminated string literal");
            buffer_free(&value);
            return false;
        }
        if (c == quote) {
            if (!triple) {
                lx->pos++;
                break;
            }
            if (lx->code[lx->pos + 1] == quote && lx->code[lx->pos + 2] == quote) {
                lx->pos += 3;
                break;
            }
        }
        if (c == '\\' && !raw) {
            lx->pos++;
            if (!lex_escape(lx, &value)) {
                buffer_free(&value);
                return false;
            }
            continue;
        }
        if (c == '\\' && raw && lx->code[lx->pos + 1] != '\0') {
            /* In raw strings a backslash still protects the next character. */
            buffer_append(&value, lx->code + lx->pos, 2);
            lx->pos += 2;
            continue;
        }
        if (c == '\n')
            lx->line++;
        buffer_append_char(&value, c);
        lx->pos++;
    }
    struct token *t = push_token(lx, TOK_STRING);
    t->line = start_line;
    buffer_cstr(&value);
    t->text = value.data;
    t->len = value.len;
    return true;
}

static bool lex_number(struct lexer *lx)
{
    char literal[64];
    size_t n = 0;
    const char *p = lx->code + lx->pos;
    while (isdigit((unsigned char)*p) || *p == '.' || *p == '_' ||
           ((*p == 'e' || *p == 'E') && n > 0) ||
           ((*p == '+' || *p == '-') && n > 0 && (literal[n - 1] == 'e' || literal[n - 1] == 'E'))) {
        if (*p != '_') {
            if (n + 1 == sizeof literal) {
                syntax_error(lx->error, lx->line, "number literal too long");
                return false;
            }
            literal[n++] = *p;
        }
        p++;
    }
    literal[n] = '\0';
    char *end;
    double value = strtod(literal, &end);
    if (*end != '\0' || isalpha((unsigned char)*p)) {
        syntax_error(lx->error, lx->line, "invalid decimal literal");
        return false;
    }
    struct token *t = push_token(lx, TOK_NUMBER);
    t->number = value;
    lx->pos = (size_t)(p - lx->code);
    return true;
}

static bool tokenize(struct lexer *lx)
{
    for (;;) {
        char c = lx->code[lx->pos];
        if (c == '\0') {
            push_token(lx, TOK_NEWLINE);
            push_token(lx, TOK_END);
            return true;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
            lx->pos++;
        } else if (c == '#') {
            while (lx->code[lx->pos] && lx->code[lx->pos] != '\n')
                lx->pos++;
        } else if (c == '\\' && lx->code[lx->pos + 1] == '\n') {
            lx->pos += 2;
            lx->line++;
        } else if (c == '\n' || c == ';') {
            if (c == ';' && lx->depth > 0) {
                syntax_error(lx->error, lx->line, "invalid syntax");
                return false;
            }
            if (lx->depth == 0)
                push_token(lx, TOK_NEWLINE);
            if (c == '\n')
                lx->line++;
            lx->pos++;
        } else if (c == '\'' || c == '"') {
            if (!lex_string(lx, false))
                return false;
        } else if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)lx->code[lx->pos + 1]))) {
            if (!lex_number(lx))
                return false;
        } else if (isalpha((unsigned char)c) || c == '_') {
            size_t start = lx->pos;
            while (isalnum((unsigned char)lx->code[lx->pos]) || lx->code[lx->pos] == '_')
                lx->pos++;
            size_t len = lx->pos - start;
            char q = lx->code[lx->pos];
            /* String prefixes: r, u, b, f and combinations like rb. */
            if ((q == '\'' || q == '"') && len <= 2 && strspn(lx->code + start, "rRuUbBfF") >= len) {
                bool raw = memchr(lx->code + start, 'r', len) || memchr(lx->code + start, 'R', len);
                if (!lex_string(lx, raw))
                    return false;
                continue;
            }
            struct token *t = push_token(lx, TOK_NAME);
            t->text = strndup(lx->code + start, len);
            if (!t->text) {
                fputs("deskpool-guest: out of memory\n", stderr);
                exit(70);
            }
            t->len = len;
        } else if (strchr("()[],=.:+-", c)) {
            if (c == '(' || c == '[') {
                if (++lx->depth > PYSCRIPT_MAX_NESTING * 4) {
                    syntax_error(lx->error, lx->line, "too many nested parentheses");
                    return false;
                }
            } else if (c == ')' || c == ']') {
                if (--lx->depth < 0) {
                    syntax_error(lx->error, lx->line, "unmatched ')'");
                    return false;
                }
            }
            struct token *t = push_token(lx, TOK_PUNCT);
            t->punct = c;
            lx->pos++;
        } else {
            char what[64];
            snprintf(what, sizeof what, "invalid syntax near '%c'", isprint((unsigned char)c) ? c : '?');
            syntax_error(lx->error, lx->line, what);
            return false;
        }
    }
}

static void free_tokens(struct lexer *lx)
{
    for (size_t i = 0; i < lx->count; i++)
        free(lx->tokens[i].text);
    free(lx->tokens);
}

/* ---- parser -------------------------------------------------------------------- */

struct parser {
    struct token *tokens;
    size_t pos;
    struct buffer *error;
};

static const struct token *peek(const struct parser *p, size_t ahead)
{
    const struct token *t = &p->tokens[p->pos];
    for (size_t i = 0; i < ahead && t->kind != TOK_END; i++)
        t++;
    return t;
}

static bool is_punct(const struct token *t, char c)
{
    return t->kind == TOK_PUNCT && t->punct == c;
}

static bool is_name(const struct token *t, const char *name)
{
    return t->kind == TOK_NAME && strcmp(t->text, name) == 0;
}

static void free_value(struct py_value *v)
{
    free(v->string);
    for (size_t i = 0; i < v->count; i++)
        free_value(&v->items[i]);
    free(v->items);
    memset(v, 0, sizeof *v);
}

static bool parse_value(struct parser *p, struct py_value *out, int depth);

static bool parse_sequence(struct parser *p, struct py_value *out, char close, int depth)
{
    out->kind = PY_LIST;
    p->pos++; /* opening bracket */
    size_t cap = 0;
    while (!is_punct(peek(p, 0), close)) {
        if (out->count == PYSCRIPT_MAX_LIST) {
            syntax_error(p->error, peek(p, 0)->line, "list literal too long");
            return false;
        }
        if (out->count == cap) {
            cap = cap ? cap * 2 : 4;
            out->items = xrealloc(out->items, cap * sizeof *out->items);
        }
        memset(&out->items[out->count], 0, sizeof out->items[0]);
        if (!parse_value(p, &out->items[out->count++], depth + 1))
            return false;
        if (is_punct(peek(p, 0), ','))
            p->pos++;
        else if (!is_punct(peek(p, 0), close)) {
            syntax_error(p->error, peek(p, 0)->line, "invalid syntax in list");
            return false;
        }
    }
    p->pos++; /* closing bracket */
    return true;
}

static bool parse_dotted_name(struct parser *p, struct buffer *out);

/* The host facts a guest script may ask for, as the real guest would answer. */
static const char *platform_constant(const char *function)
{
    if (strcmp(function, "platform.system") == 0)
        return "Linux";
    if (strcmp(function, "platform.machine") == 0)
        return "x86_64";
    return NULL;
}

/* A name in argument position: `pyautogui.X` (a tween function such as
 * pyautogui.easeInQuad, passed by OSWorld's moveTo actions) or a constant call
 * `platform.system()`. Variables and other expressions are not supported. */
static bool parse_name_value(struct parser *p, struct py_value *out)
{
    int line = peek(p, 0)->line;
    struct buffer name = BUFFER_INIT;
    parse_dotted_name(p, &name);
    const char *constant = platform_constant(buffer_cstr(&name));
    if (constant && is_punct(peek(p, 0), '(') && is_punct(peek(p, 1), ')')) {
        p->pos += 2;
        out->kind = PY_STRING;
        out->string = strdup(constant);
        out->string_len = strlen(constant);
        buffer_free(&name);
        return out->string != NULL;
    }
    if (strncmp(buffer_cstr(&name), "pyautogui.", 10) == 0 && !is_punct(peek(p, 0), '(')) {
        out->kind = PY_NAME;
        out->string = name.data;
        out->string_len = name.len;
        return true;
    }
    buffer_free(&name);
    syntax_error(p->error, line, "only literal arguments are supported (no variables or expressions)");
    return false;
}

static bool parse_value(struct parser *p, struct py_value *out, int depth)
{
    memset(out, 0, sizeof *out);
    if (depth > PYSCRIPT_MAX_NESTING) {
        syntax_error(p->error, peek(p, 0)->line, "literal nested too deeply");
        return false;
    }
    const struct token *t = peek(p, 0);
    if (is_punct(t, '-') || is_punct(t, '+')) {
        bool negative = t->punct == '-';
        p->pos++;
        t = peek(p, 0);
        if (t->kind != TOK_NUMBER) {
            syntax_error(p->error, t->line, "only numeric literals can be signed");
            return false;
        }
        out->kind = PY_NUMBER;
        out->number = negative ? -t->number : t->number;
        p->pos++;
        return true;
    }
    if (t->kind == TOK_NUMBER) {
        out->kind = PY_NUMBER;
        out->number = t->number;
        p->pos++;
        return true;
    }
    if (t->kind == TOK_STRING) {
        /* Adjacent string literals concatenate. */
        struct buffer s = BUFFER_INIT;
        while (peek(p, 0)->kind == TOK_STRING) {
            buffer_append(&s, peek(p, 0)->text, peek(p, 0)->len);
            p->pos++;
        }
        buffer_cstr(&s);
        out->kind = PY_STRING;
        out->string = s.data;
        out->string_len = s.len;
        return true;
    }
    if (is_name(t, "True") || is_name(t, "False")) {
        out->kind = PY_BOOL;
        out->boolean = is_name(t, "True");
        p->pos++;
        return true;
    }
    if (is_name(t, "None")) {
        out->kind = PY_NONE;
        p->pos++;
        return true;
    }
    if (is_punct(t, '['))
        return parse_sequence(p, out, ']', depth);
    if (is_punct(t, '('))
        return parse_sequence(p, out, ')', depth);
    if (t->kind == TOK_NAME)
        return parse_name_value(p, out);
    syntax_error(p->error, t->line, "invalid syntax");
    return false;
}

/* Reads NAME(.NAME)* into `out`. */
static bool parse_dotted_name(struct parser *p, struct buffer *out)
{
    if (peek(p, 0)->kind != TOK_NAME)
        return false;
    buffer_append_str(out, peek(p, 0)->text);
    p->pos++;
    while (is_punct(peek(p, 0), '.') && peek(p, 1)->kind == TOK_NAME) {
        buffer_append_char(out, '.');
        buffer_append_str(out, peek(p, 1)->text);
        p->pos += 2;
    }
    return true;
}

static void skip_statement(struct parser *p)
{
    while (peek(p, 0)->kind != TOK_NEWLINE && peek(p, 0)->kind != TOK_END)
        p->pos++;
}

static bool parse_call(struct parser *p, struct py_call *call)
{
    p->pos++; /* '(' */
    while (!is_punct(peek(p, 0), ')')) {
        if (call->arg_count == PYSCRIPT_MAX_ARGS) {
            syntax_error(p->error, call->line, "too many arguments");
            return false;
        }
        struct py_argument *arg = &call->args[call->arg_count];
        memset(arg, 0, sizeof *arg);
        if (peek(p, 0)->kind == TOK_NAME && is_punct(peek(p, 1), '=')) {
            arg->keyword = strdup(peek(p, 0)->text);
            p->pos += 2;
        } else if (call->arg_count > 0 && call->args[call->arg_count - 1].keyword) {
            syntax_error(p->error, call->line, "positional argument follows keyword argument");
            return false;
        }
        call->arg_count++;
        if (!parse_value(p, &arg->value, 0))
            return false;
        if (is_punct(peek(p, 0), ','))
            p->pos++;
        else if (!is_punct(peek(p, 0), ')')) {
            syntax_error(p->error, call->line, "invalid syntax in call arguments");
            return false;
        }
    }
    p->pos++; /* ')' */
    return true;
}

static void free_call(struct py_call *call)
{
    free(call->function);
    for (size_t i = 0; i < call->arg_count; i++) {
        free(call->args[i].keyword);
        free_value(&call->args[i].value);
    }
}

static bool parse_statement(struct parser *p, struct py_script *script, size_t *cap)
{
    const struct token *t = peek(p, 0);
    if (t->kind == TOK_NEWLINE)
        return true;
    if (is_name(t, "import") || is_name(t, "from") || is_name(t, "pass")) {
        skip_statement(p);
        return true;
    }
    int line = t->line;
    struct buffer name = BUFFER_INIT;
    if (!parse_dotted_name(p, &name)) {
        syntax_error(p->error, line, "invalid syntax");
        return false;
    }
    if (is_punct(peek(p, 0), '=')) {
        /* Settings such as pyautogui.FAILSAFE = False or pyautogui.PAUSE = 0. */
        bool setting = strncmp(name.data, "pyautogui.", 10) == 0;
        if (!setting)
            syntax_error(p->error, line, "assignments to variables are not supported");
        buffer_free(&name);
        skip_statement(p);
        return setting;
    }
    if (!is_punct(peek(p, 0), '(')) {
        syntax_error(p->error, line, "invalid syntax (expected a call)");
        buffer_free(&name);
        return false;
    }
    if (script->count == PYSCRIPT_MAX_CALLS) {
        syntax_error(p->error, line, "too many statements");
        buffer_free(&name);
        return false;
    }
    if (script->count == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        script->calls = xrealloc(script->calls, *cap * sizeof *script->calls);
    }
    struct py_call *call = &script->calls[script->count++];
    memset(call, 0, sizeof *call);
    call->function = name.data;
    call->line = line;
    if (!parse_call(p, call))
        return false;
    const struct token *next = peek(p, 0);
    if (next->kind != TOK_NEWLINE && next->kind != TOK_END) {
        syntax_error(p->error, next->line, "invalid syntax after call");
        return false;
    }
    return true;
}

bool pyscript_parse(const char *code, struct py_script *script, struct buffer *error)
{
    memset(script, 0, sizeof *script);
    struct lexer lx = { code, 0, 1, 0, NULL, 0, 0, error };
    bool ok = tokenize(&lx);
    if (ok && lx.depth != 0) {
        syntax_error(error, lx.line, "'(' was never closed");
        ok = false;
    }
    if (ok) {
        struct parser p = { lx.tokens, 0, error };
        size_t cap = 0;
        while (ok && peek(&p, 0)->kind != TOK_END) {
            ok = parse_statement(&p, script, &cap);
            if (ok && peek(&p, 0)->kind == TOK_NEWLINE)
                p.pos++;
        }
    }
    free_tokens(&lx);
    if (!ok)
        pyscript_free(script);
    return ok;
}

void pyscript_free(struct py_script *script)
{
    for (size_t i = 0; i < script->count; i++)
        free_call(&script->calls[i]);
    free(script->calls);
    memset(script, 0, sizeof *script);
}

const struct py_value *py_call_arg(const struct py_call *call, size_t position, const char *keyword)
{
    size_t positional = 0;
    for (size_t i = 0; i < call->arg_count; i++) {
        const struct py_argument *arg = &call->args[i];
        if (arg->keyword) {
            if (keyword && strcmp(arg->keyword, keyword) == 0)
                return &arg->value;
        } else if (positional++ == position) {
            return &arg->value;
        }
    }
    return NULL;
}
