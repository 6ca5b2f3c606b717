# plugins/knowledge/libs.mk - extra libraries of the knowledge plugin:
# cmark-gfm (+ GFM extensions) for Markdown, libstemmer for search stemming.
knowledge_LIBS = $(shell pkg-config --libs libcmark-gfm 2>/dev/null || echo -lcmark-gfm -lcmark-gfm-extensions) -lstemmer
