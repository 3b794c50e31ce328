/* Screen recording for /start_recording and /end_recording. The real server
 * runs ffmpeg (x11grab) into /tmp/recording.mp4; here a recorder process keeps
 * one PNG frame per desktop change with its time, and on stop writes them as
 * an MP4 whose video track uses the 'png ' codec (one sample per change,
 * lasting until the next), which ffmpeg and VLC play. */
#ifndef DESKPOOL_RECORDING_H
#define DESKPOOL_RECORDING_H

#include "buffer.h"

#define RECORDING_PATH "/tmp/recording.mp4"

/* Starts the recorder. Returns 200, or 400 (already recording) / 500 with a
 * message. */
int recording_start(struct buffer *message);

/* Stops the recorder and waits for RECORDING_PATH to be written. Returns 200
 * when the file is ready, or 400 (not recording) / 500 with a message. */
int recording_stop(struct buffer *message);

#endif
