/*
 * core/notifications_pages.h - the notification bell's routes and count.
 */
#ifndef PT_NOTIFICATIONS_PAGES_H
#define PT_NOTIFICATIONS_PAGES_H

#include "http/server.h"

/* Add /notifications, /notifications/read and /api/v1/notifications[/read]
 * to r. 0 or a PT_E* code. */
int pt_notifications_register(pt_router *r);
/* The signed-in user's unread count (0 when anonymous). */
size_t pt_notifications_unread(pt_req *req);

#endif
