/* Draws the simulated desktop on QEMU's standard VGA (PCI 1234:1111, also
 * bochs-display). Debian's cloud kernel has no driver for it (no DRM_BOCHS,
 * FB_VESA or simpledrm; FB_EFI needs UEFI), so the agent programs the Bochs VBE
 * ("dispi") registers itself through the device's MMIO BAR and writes the
 * linear framebuffer in BAR 0, both mapped from sysfs. */
#define _GNU_SOURCE
#include "display.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canvas.h"
#include "config.h"
#include "desktop_render.h"
#include "state.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define BOCHS_VENDOR 0x1234
#define BOCHS_DEVICE 0x1111

/* Bochs VBE interface: index registers, as MMIO at 0x500 + 2*index, or through
 * I/O ports 0x1CE (index) / 0x1CF (data). */
#define VBE_MMIO_OFFSET 0x500
#define VGA_MMIO_OFFSET 0x400 /* legacy VGA ports 0x3C0.. at 0x400 + (port - 0x3C0) */
#define VBE_PORT_INDEX 0x1CE
#define VBE_PORT_DATA 0x1CF
enum {
    VBE_ID = 0,
    VBE_XRES = 1,
    VBE_YRES = 2,
    VBE_BPP = 3,
    VBE_ENABLE = 4,
    VBE_BANK = 5,
    VBE_VIRT_WIDTH = 6,
    VBE_VIRT_HEIGHT = 7,
    VBE_X_OFFSET = 8,
    VBE_Y_OFFSET = 9,
    VBE_VIDEO_MEMORY_64K = 10,
};
#define VBE_ID_MIN 0xB0C0
#define VBE_ENABLED 0x01
#define VBE_LFB_ENABLED 0x40
#define VGA_ATT_W 0x3C0
#define VGA_IS1_RC 0x3DA
#define VGA_ATT_PALETTE_SOURCE 0x20 /* cleared means "screen blanked" */

/* A full check every so often, in case a change notification was missed. */
#define RECHECK_MS 2000

struct vga {
    volatile uint8_t *mmio; /* NULL: use I/O ports */
    uint32_t *fb;
    size_t fb_size;
    int width;
    int height;
};

static bool read_hex_file(const char *dir, const char *name, unsigned *value)
{
    char path[512], text[32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool ok = fgets(text, sizeof text, f) != NULL;
    fclose(f);
    if (ok)
        *value = (unsigned)strtoul(text, NULL, 16);
    return ok;
}

static bool find_bochs_vga(char *dir, size_t size)
{
    DIR *d = opendir(PCI_DEVICES);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(dir, size, PCI_DEVICES "/%s", e->d_name);
        unsigned vendor, device;
        found = read_hex_file(dir, "vendor", &vendor) && read_hex_file(dir, "device", &device) &&
                vendor == BOCHS_VENDOR && device == BOCHS_DEVICE;
    }
    closedir(d);
    return found;
}

static void *map_resource(const char *dir, const char *name, size_t *size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat sb;
    void *p = MAP_FAILED;
    if (fstat(fd, &sb) == 0 && sb.st_size > 0 && (*size == 0 || (size_t)sb.st_size >= *size)) {
        if (*size == 0)
            *size = (size_t)sb.st_size;
        p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

static void vbe_write(struct vga *v, int index, uint16_t value)
{
    if (v->mmio) {
        *(volatile uint16_t *)(v->mmio + VBE_MMIO_OFFSET + 2 * index) = value;
    } else {
        outw((uint16_t)index, VBE_PORT_INDEX);
        outw(value, VBE_PORT_DATA);
    }
}

static uint16_t vbe_read(struct vga *v, int index)
{
    if (v->mmio)
        return *(volatile uint16_t *)(v->mmio + VBE_MMIO_OFFSET + 2 * index);
    outw((uint16_t)index, VBE_PORT_INDEX);
    return inw(VBE_PORT_DATA);
}

/* Like the kernel's bochs driver: reset the attribute controller's flip-flop,
 * then select the palette source, without which QEMU shows a blank screen. */
static void vga_unblank(struct vga *v)
{
    if (v->mmio) {
        (void)v->mmio[VGA_MMIO_OFFSET + (VGA_IS1_RC - 0x3C0)];
        v->mmio[VGA_MMIO_OFFSET + (VGA_ATT_W - 0x3C0)] = VGA_ATT_PALETTE_SOURCE;
    } else {
        (void)inb(VGA_IS1_RC);
        outb(VGA_ATT_PALETTE_SOURCE, VGA_ATT_W);
    }
}

/* Maps the device and switches it to a WIDTHxHEIGHT 32-bit linear mode. */
static bool vga_open(struct vga *v, int width, int height)
{
    char dir[512];
    if (!find_bochs_vga(dir, sizeof dir)) {
        fprintf(stderr, AGENT_NAME ": no Bochs-compatible VGA (PCI 1234:1111): the desktop is not drawn on screen\n");
        return false;
    }
    memset(v, 0, sizeof *v);
    size_t mmio_size = 0;
    v->mmio = map_resource(dir, "resource2", &mmio_size);
    if (v->mmio && mmio_size < 0x600) {
        munmap((void *)v->mmio, mmio_size);
        v->mmio = NULL;
    }
    if (!v->mmio && (ioperm(VBE_PORT_INDEX, 2, 1) != 0 || ioperm(0x3C0, 0x20, 1) != 0)) {
        fprintf(stderr, AGENT_NAME ": %s: no MMIO BAR and no I/O port access: %s\n", dir, strerror(errno));
        return false;
    }
    uint16_t id = vbe_read(v, VBE_ID);
    if (id < VBE_ID_MIN) {
        fprintf(stderr, AGENT_NAME ": %s: unexpected VBE id 0x%04x\n", dir, id);
        return false;
    }
    v->width = width;
    v->height = height;
    v->fb_size = (size_t)width * (size_t)height * 4;
    size_t vram = (size_t)vbe_read(v, VBE_VIDEO_MEMORY_64K) * 65536;
    if (vram && vram < v->fb_size) {
        fprintf(stderr, AGENT_NAME ": %dx%d needs %zu bytes of video memory, the VGA has %zu\n", width, height,
                v->fb_size, vram);
        return false;
    }
    size_t map_size = (v->fb_size + 4095) & ~(size_t)4095;
    v->fb = map_resource(dir, "resource0", &map_size);
    if (!v->fb) {
        fprintf(stderr, AGENT_NAME ": %s: cannot map the framebuffer: %s\n", dir, strerror(errno));
        return false;
    }
    vga_unblank(v);
    vbe_write(v, VBE_ENABLE, 0);
    vbe_write(v, VBE_BPP, 32);
    vbe_write(v, VBE_XRES, (uint16_t)width);
    vbe_write(v, VBE_YRES, (uint16_t)height);
    vbe_write(v, VBE_BANK, 0);
    vbe_write(v, VBE_VIRT_WIDTH, (uint16_t)width);
    vbe_write(v, VBE_VIRT_HEIGHT, (uint16_t)height);
    vbe_write(v, VBE_X_OFFSET, 0);
    vbe_write(v, VBE_Y_OFFSET, 0);
    vbe_write(v, VBE_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED);
    return true;
}

/* Copies the canvas to the framebuffer (XRGB, little-endian), only the rows
 * that differ from what is on screen. */
static void vga_show(struct vga *v, const struct canvas *c, uint32_t *shown, uint32_t *row)
{
    for (int y = 0; y < v->height; y++) {
        const uint8_t *src = c->pixels + (size_t)y * (size_t)c->width * 3;
        for (int x = 0; x < v->width; x++)
            row[x] = (uint32_t)src[3 * x] << 16 | (uint32_t)src[3 * x + 1] << 8 | src[3 * x + 2];
        uint32_t *line = shown + (size_t)y * (size_t)v->width;
        if (memcmp(line, row, (size_t)v->width * 4) == 0)
            continue;
        memcpy(line, row, (size_t)v->width * 4);
        memcpy(v->fb + (size_t)y * (size_t)v->width, row, (size_t)v->width * 4);
    }
}

static void display_loop(struct vga *v)
{
    static struct desktop_state st;
    static struct event_lines events;
    struct canvas c;
    uint32_t *shown = calloc((size_t)v->width * (size_t)v->height, 4);
    uint32_t *row = malloc((size_t)v->width * 4);
    if (!shown || !row || !canvas_init(&c, v->width, v->height))
        _exit(1);
    /* Whatever the firmware left on screen differs from every desktop pixel. */
    memset(shown, 0xFF, (size_t)v->width * (size_t)v->height * 4);
    memset(v->fb, 0, v->fb_size);
    int notify = state_watch_open();
    unsigned long drawn = 0;
    bool any = false;
    for (;;) {
        if (state_snapshot(&st, &events) && (!any || st.version != drawn)) {
            desktop_render(&c, &st, &events);
            vga_show(v, &c, shown, row);
            drawn = st.version;
            any = true;
        }
        state_watch_wait(notify, RECHECK_MS);
    }
}

pid_t display_start(void)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(0);
    prctl(PR_SET_NAME, "deskpool-display");
    signal(SIGCHLD, SIG_DFL);
    struct vga v;
    if (!vga_open(&v, g_config.screen_width, g_config.screen_height))
        _exit(0);
    display_loop(&v);
    _exit(0);
}
