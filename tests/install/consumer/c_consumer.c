/* authkv install test. Licensed under the ISC license.
 *
 * A plain C99 program that uses only the C ABI of an installed authkv: built
 * once through pkg-config (`cc c_consumer.c $(pkg-config --cflags --libs
 * authkv)`) and once through CMake's authkv::c. Opens a store, creates a
 * user, and reads it back by id and by email.
 *
 * Records cross the ABI as FlatBuffers (authkv.h, convention 6). C has no
 * FlatBuffers generator here, so this file writes the one User it needs by
 * hand and reads two strings back: a C host would normally use flatcc.
 *
 * Usage: c_consumer DATABASE_DIR
 */

#include <authkv/authkv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Writes a FlatBuffers string (length, bytes, NUL, padding to 4) at `at`;
 * returns the offset after it. */
static size_t put_string(uint8_t *buf, size_t at, const char *s) {
  size_t n = strlen(s);
  put32(buf + at, (uint32_t)n);
  memcpy(buf + at + 4, s, n + 1);
  return (at + 4 + n + 1 + 3) & ~(size_t)3;
}

/* schema/user.fbs: table User { id:string; name:string; email:string; ... },
 * file_identifier "AKUS". Layout: root offset, identifier, vtable (fields
 * id: absent, so the store generates one; name at +4; email at +8), table,
 * then the two strings. Returns the size. */
static size_t build_user(uint8_t *buf, size_t cap, const char *name, const char *email) {
  size_t end;
  if (cap < 40 + strlen(name) + strlen(email) + 16) return 0;
  memset(buf, 0, cap);
  put32(buf + 0, 20); /* root table at 20 */
  memcpy(buf + 4, "AKUS", 4);
  put16(buf + 8, 10);  /* vtable: its size, */
  put16(buf + 10, 12); /* the table's size, */
  put16(buf + 12, 0);  /* id (absent), */
  put16(buf + 14, 4);  /* name, */
  put16(buf + 16, 8);  /* email */
  put32(buf + 20, 12); /* table: soffset back to the vtable at 8 */
  end = put_string(buf, 32, name);
  put32(buf + 24, (uint32_t)(32 - 24));
  put32(buf + 28, (uint32_t)(end - 28));
  return put_string(buf, end, email);
}

/* String field `field` of the root table of a (library-verified) buffer. */
static int get_string(const authkv_buf *b, unsigned field, const char **s, uint32_t *len) {
  uint32_t root, vt, vt_size, at;
  uint16_t field_off;
  if (b->size < 8) return 0;
  root = get32(b->data);
  if (root + 4 > b->size) return 0;
  vt = (uint32_t)((int64_t)root - (int32_t)get32(b->data + root));
  if (vt + 4 > b->size) return 0;
  vt_size = get16(b->data + vt);
  if (4 + 2 * field + 2 > vt_size) return 0;
  field_off = get16(b->data + vt + 4 + 2 * field);
  if (field_off == 0) return 0;
  at = root + field_off;
  at += get32(b->data + at);
  *len = get32(b->data + at);
  *s = (const char *)b->data + at + 4;
  return 1;
}

static int fail(const char *step, int rc, char *errmsg) {
  fprintf(stderr, "c_consumer: %s: %s (%s)\n", step, authkv_strerror(rc),
          errmsg ? errmsg : "no message");
  authkv_free(errmsg);
  return 1;
}

int main(int argc, char **argv) {
  authkv_db *db = NULL;
  authkv_buf created = AUTHKV_BUF_INIT, by_id = AUTHKV_BUF_INIT, by_email = AUTHKV_BUF_INIT;
  char *errmsg = NULL;
  uint8_t user[256];
  size_t user_len;
  const char *id, *email;
  uint32_t id_len, email_len;
  int rc;

  if (argc != 2) {
    fprintf(stderr, "usage: c_consumer DATABASE_DIR\n");
    return 2;
  }
  if (authkv_abi_version() != AUTHKV_ABI_VERSION) {
    fprintf(stderr, "c_consumer: header ABI %d, library ABI %d\n", AUTHKV_ABI_VERSION,
            authkv_abi_version());
    return 1;
  }
  rc = authkv_open(&db, argv[1], NULL, &errmsg);
  if (rc != AUTHKV_OK) return fail("authkv_open", rc, errmsg);

  user_len = build_user(user, sizeof user, "Ada Lovelace", "ada@example.com");
  rc = authkv_user_create(&created, db, user, user_len, &errmsg);
  if (rc != AUTHKV_OK) return fail("authkv_user_create", rc, errmsg);
  if (!get_string(&created, 0, &id, &id_len) || id_len == 0) {
    fprintf(stderr, "c_consumer: the created user has no id\n");
    return 1;
  }

  rc = authkv_user_get(&by_id, db, id, id_len, &errmsg);
  if (rc != AUTHKV_OK) return fail("authkv_user_get", rc, errmsg);
  rc = authkv_user_get_by_email(&by_email, db, "ADA@example.com", 15, &errmsg);
  if (rc != AUTHKV_OK) return fail("authkv_user_get_by_email", rc, errmsg);
  if (by_id.size != created.size || memcmp(by_id.data, created.data, created.size) != 0 ||
      !get_string(&by_email, 2, &email, &email_len) || email_len != 15 ||
      memcmp(email, "ada@example.com", 15) != 0) {
    fprintf(stderr, "c_consumer: read back a different user\n");
    return 1;
  }
  rc = authkv_user_get(NULL, db, "no-such-user", 12, &errmsg);
  if (rc != AUTHKV_ENOTFOUND || errmsg != NULL) return fail("missing user", rc, errmsg);

  printf("c_consumer: libauthkv %s created and read user %.*s <%.*s>\n", authkv_version(),
         (int)id_len, id, (int)email_len, email);
  authkv_buf_dispose(&created);
  authkv_buf_dispose(&by_id);
  authkv_buf_dispose(&by_email);
  authkv_close(db);
  return 0;
}
