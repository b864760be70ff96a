-- CreateTable (written by hand after shared/prisma/schema/applications.prisma: the schema engine has no MySQL
-- connector offline; shared/test/db/mysql-schema.test.ts checks these columns against the PostgreSQL table).
-- updated_at also moves on updates made outside Prisma (ON UPDATE), which app stores poll to notice changes.
CREATE TABLE `applications` (
    `id` VARCHAR(255) NOT NULL,
    `key` VARCHAR(255) NOT NULL,
    `secret` VARCHAR(255) NOT NULL,
    `enabled` BOOLEAN NOT NULL DEFAULT true,
    `max_connections` INTEGER NOT NULL DEFAULT 0,
    `enable_client_messages` BOOLEAN NOT NULL DEFAULT false,
    `max_backend_events_per_second` INTEGER NULL,
    `max_client_events_per_second` INTEGER NOT NULL DEFAULT 10,
    `max_read_requests_per_second` INTEGER NULL,
    `max_presence_members_per_channel` INTEGER NULL,
    `max_presence_member_size_in_kb` INTEGER NULL,
    `max_channel_name_length` INTEGER NULL,
    `max_event_channels_at_once` INTEGER NULL,
    `max_event_name_length` INTEGER NULL,
    `max_event_payload_in_kb` INTEGER NULL,
    `max_event_batch_size` INTEGER NULL,
    `enable_user_authentication` BOOLEAN NULL,
    `enable_watchlist_events` BOOLEAN NULL,
    `webhooks` JSON NULL,
    `allowed_origins` JSON NULL,
    `enable_subscription_count_events` BOOLEAN NULL,
    `enable_authorized_connections` BOOLEAN NULL,
    `max_presence_user_id_length` INTEGER NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `applications_key_key`(`key`),
    INDEX `applications_enabled_idx`(`enabled`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
