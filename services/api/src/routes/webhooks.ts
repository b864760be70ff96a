import { notFound } from '@sockudo-ts/shared';
import type { RouteModule } from './route.js';

/**
 * webhooksRoutes mounts the dead letters of webhook delivery: `GET /webhooks/dead_letters` lists the
 * app's, `POST /webhooks/dead_letters/:id/replay` queues one again. A process without the webhook queue
 * answers 404.
 */
export const webhooksRoutes: RouteModule = (router, { webhookDeadLetters: letters }) => {
  const unserved = (): never => {
    throw notFound('Webhook dead letters are not served by this process');
  };

  router.get('/webhooks/dead_letters', 'webhook_dead_letters', async ({ app }) => {
    if (letters === undefined) return unserved();
    return { dead_letters: await letters.list(app.id) };
  });

  router.post('/webhooks/dead_letters/:id/replay', 'webhook_dead_letter_replay', async ({ app, params }) => {
    if (letters === undefined) return unserved();
    const id = params.id!;
    if (!(await letters.replay(app.id, id))) throw notFound(`No dead letter ${id.slice(0, 64)} for this app`);
    return {};
  });
};
