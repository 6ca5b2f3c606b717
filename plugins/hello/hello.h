/*
 * plugins/hello/hello.h - shared declarations of the hello plugin's files.
 */
#ifndef HELLO_H
#define HELLO_H

#include <portico/auth.h>
#include <portico/config.h>
#include <portico/events.h>
#include <portico/http.h>
#include <portico/plugin.h>
#include <portico/store.h>
#include <portico/template.h>

/* handlers.c */
int hello_page(pt_req *req);
int hello_post(pt_req *req);
int hello_api_list(pt_req *req);
int hello_api_get(pt_req *req);
int hello_api_create(pt_req *req);
int hello_widget(pt_req *req, pt_buf *out);
void hello_set_host(pt_host *h);

/* data.c */
#define HELLO_MAX_NAME 80
/* Store a greeting for name; *out gets the new record (caller decrefs). */
int hello_store(pt_req *req, const char *name, json_t **out, const char **why);
/* The newest greetings (up to limit), newest first (caller decrefs). */
json_t *hello_list(size_t limit);
int hello_migrate_v1(pt_txn *txn, void *ud);
int hello_demo(pt_txn *txn, void *ud);

#endif
