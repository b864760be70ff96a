import { asUserId, badRequest } from '@sockudo-ts/shared';
import type { RouteModule } from './route.js';

/**
 * usersRoutes mounts `POST /users/:userId/terminate_connections`: every socket signed in as that user is
 * closed with 4009, on every node (a control message on the bus).
 */
export const usersRoutes: RouteModule = (router, { bus }) => {
  router.post('/users/:userId/terminate_connections', 'terminate_connections', async ({ app, params }) => {
    const userId = asUserId(params.userId!);
    if (userId === '') throw badRequest('user_id is required');
    await bus.publishControl({ type: 'terminate_user', appId: app.id, userId });
    return {};
  });
};
