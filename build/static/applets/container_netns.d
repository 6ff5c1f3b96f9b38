build/static/applets/container_netns.o: applets/container_netns.c \
 applets/../common/ncbox.h
applets/../common/ncbox.h:
