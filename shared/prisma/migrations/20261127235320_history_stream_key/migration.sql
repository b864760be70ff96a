-- AlterTable
ALTER TABLE "channel_history" DROP CONSTRAINT "channel_history_pkey",
ADD CONSTRAINT "channel_history_pkey" PRIMARY KEY ("app_id", "channel", "stream_id", "serial");
