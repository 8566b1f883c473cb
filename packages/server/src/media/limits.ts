// What uploads may be, as Mastodon 4.5 has it (and as /api/v1|v2/instance advertises it).
export const MAX_MEDIA_ATTACHMENTS = 4;
export const DESCRIPTION_LIMIT = 1500;
/** The most pixels an uploaded image may have (7680x4320): larger ones are refused before decoding. */
export const IMAGE_MATRIX_LIMIT = 33_177_600;
/** Stored originals are scaled down to at most this many pixels (3840x2160), previews to 640x360's. */
export const ORIGINAL_PIXELS = 8_294_400;
export const SMALL_PIXELS = 230_400;
export const VIDEO_MATRIX_LIMIT = 8_294_400;
export const VIDEO_FRAME_RATE_LIMIT = 120;
/** Transcoded video fits in 1920x1080 (two cores per machine: 4K H.264 would take minutes). */
export const VIDEO_MAX_WIDTH = 1920;
export const VIDEO_MAX_HEIGHT = 1080;
/** Avatars are 400x400, headers 1500x500, as on Mastodon. */
export const AVATAR_SIZE = { width: 400, height: 400 } as const;
export const HEADER_SIZE = { width: 1500, height: 500 } as const;

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif'] as const;
export const VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/webm'] as const;
export const AUDIO_TYPES = ['audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/flac', 'audio/mp4'] as const;
export const SUPPORTED_MIME_TYPES = [...IMAGE_TYPES, ...VIDEO_TYPES, ...AUDIO_TYPES];
