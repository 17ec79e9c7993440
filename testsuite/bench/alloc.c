/* Allocation-heavy: binary trees built and freed (the Benchmarks Game's
 * binary-trees), a linked list of variable-sized nodes and realloc'd
 * growing arrays, all through malloc/free. */
#include <stdio.h>
#include <stdlib.h>

struct tree { struct tree *left, *right; };

static struct tree *build(int depth) {
    struct tree *t = malloc(sizeof *t);
    if (depth > 0) { t->left = build(depth - 1); t->right = build(depth - 1); }
    else t->left = t->right = NULL;
    return t;
}

static long check(const struct tree *t) { return t->left ? 1 + check(t->left) + check(t->right) : 1; }

static void release(struct tree *t) {
    if (t->left) { release(t->left); release(t->right); }
    free(t);
}

struct node { struct node *next; int size; char data[]; };

int main(void) {
    long long acc = 0;
    struct tree *keep = build(16);
    for (int depth = 4; depth <= 16; depth += 2) {
        int iterations = 1 << (22 - depth);
        for (int i = 0; i < iterations; i++) {
            struct tree *t = build(depth);
            acc += check(t);
            release(t);
        }
    }
    acc += check(keep);
    release(keep);
    unsigned x = 99;
    for (int round = 0; round < 20; round++) {
        struct node *head = NULL;
        for (int i = 0; i < 20000; i++) {
            x = x * 1103515245u + 12345u;
            int size = 8 + (x >> 16) % 200;
            struct node *n = malloc(sizeof *n + size);
            n->size = size; n->data[0] = (char)i; n->next = head; head = n;
        }
        while (head) { struct node *n = head->next; acc += head->size + head->data[0]; free(head); head = n; }
        int *grow = NULL; long cap = 0;
        for (long i = 0; i < 100000; i++) {
            if (i == cap) { cap = cap ? cap * 2 : 4; grow = realloc(grow, cap * sizeof *grow); }
            grow[i] = (int)(i ^ round);
        }
        acc += grow[99999] + cap;
        free(grow);
    }
    printf("alloc checksum %lld\n", acc);
    return 0;
}
