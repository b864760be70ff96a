-- CreateEnum
CREATE TYPE "PushPlatform" AS ENUM ('apns', 'fcm', 'web');

-- CreateTable
CREATE TABLE "applications" (
    "id" VARCHAR(255) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "secret" VARCHAR(255) NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "max_connections" INTEGER NOT NULL DEFAULT 0,
    "enable_client_messages" BOOLEAN NOT NULL DEFAULT false,
    "max_backend_events_per_second" INTEGER,
    "max_client_events_per_second" INTEGER NOT NULL DEFAULT 10,
    "max_read_requests_per_second" INTEGER,
    "max_presence_members_per_channel" INTEGER,
    "max_presence_member_size_in_kb" INTEGER,
    "max_channel_name_length" INTEGER,
    "max_event_channels_at_once" INTEGER,
    "max_event_name_length" INTEGER,
    "max_event_payload_in_kb" INTEGER,
    "max_event_batch_size" INTEGER,
    "enable_user_authentication" BOOLEAN,
    "enable_watchlist_events" BOOLEAN,
    "webhooks" JSONB,
    "allowed_origins" JSONB,
    "enable_subscription_count_events" BOOLEAN,
    "enable_authorized_connections" BOOLEAN,
    "max_presence_user_id_length" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "applications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_history" (
    "app_id" VARCHAR(255) NOT NULL,
    "channel" VARCHAR(255) NOT NULL,
    "serial" BIGINT NOT NULL,
    "stream_id" VARCHAR(255) NOT NULL,
    "message_id" VARCHAR(255) NOT NULL,
    "event" VARCHAR(255) NOT NULL,
    "data" TEXT NOT NULL,
    "published_at_ms" BIGINT NOT NULL,

    CONSTRAINT "channel_history_pkey" PRIMARY KEY ("app_id","channel","serial")
);

-- CreateTable
CREATE TABLE "push_devices" (
    "app_id" VARCHAR(255) NOT NULL,
    "id" VARCHAR(255) NOT NULL,
    "platform" "PushPlatform" NOT NULL,
    "token" TEXT NOT NULL,
    "web_subscription" JSONB,
    "metadata" JSONB,
    "user_id" VARCHAR(255),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "push_devices_pkey" PRIMARY KEY ("app_id","id")
);

-- CreateTable
CREATE TABLE "push_device_interests" (
    "app_id" VARCHAR(255) NOT NULL,
    "device_id" VARCHAR(255) NOT NULL,
    "interest" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "push_device_interests_pkey" PRIMARY KEY ("app_id","device_id","interest")
);

-- CreateIndex
CREATE UNIQUE INDEX "applications_key_key" ON "applications"("key");

-- CreateIndex
CREATE INDEX "applications_enabled_idx" ON "applications"("enabled");

-- CreateIndex
CREATE INDEX "channel_history_app_id_channel_published_at_ms_idx" ON "channel_history"("app_id", "channel", "published_at_ms");

-- CreateIndex
CREATE INDEX "channel_history_published_at_ms_idx" ON "channel_history"("published_at_ms");

-- CreateIndex
CREATE INDEX "push_devices_app_id_user_id_idx" ON "push_devices"("app_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "push_devices_app_id_platform_token_key" ON "push_devices"("app_id", "platform", "token");

-- CreateIndex
CREATE INDEX "push_device_interests_app_id_interest_idx" ON "push_device_interests"("app_id", "interest");

-- AddForeignKey
ALTER TABLE "push_device_interests" ADD CONSTRAINT "push_device_interests_app_id_device_id_fkey" FOREIGN KEY ("app_id", "device_id") REFERENCES "push_devices"("app_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Keep applications.updated_at on the database clock (UTC, as Prisma writes it) for every UPDATE, including
-- updates made outside Prisma: app stores poll it to notice changes before their cache TTL runs out.
CREATE FUNCTION "applications_touch_updated_at"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."updated_at" := now() AT TIME ZONE 'UTC';
  RETURN NEW;
END
$$;

CREATE TRIGGER "applications_touch_updated_at" BEFORE UPDATE ON "applications"
  FOR EACH ROW EXECUTE FUNCTION "applications_touch_updated_at"();
