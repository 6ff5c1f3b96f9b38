build/static/applets/nixos_container.o: applets/nixos_container.c \
 applets/../common/ncbox.h
applets/../common/ncbox.h:
