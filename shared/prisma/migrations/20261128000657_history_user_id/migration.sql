-- AlterTable
ALTER TABLE "channel_history" ADD COLUMN     "user_id" VARCHAR(255);
