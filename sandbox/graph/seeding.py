"""Seeding the emulated Meta: Facebook people, Pages, IG accounts, media, comments, mentions."""

from __future__ import annotations

from typing import Any

from .auth import SCOPES
from .state import DAY, FACEBOOK, INSTAGRAM, Account, Comment, FacebookUser, Media, Page, State

LONG_LIVED = 60 * DAY


class Seeding:
    """Mixin of GraphEmulator: create the objects a test or demo starts from."""

    state: State
    app_id: str
    webhooks: Any
    webhook_own_comments: bool
    fb_comment_id_key: str
    dialog_fb_user_id: str | None
    dialog_ig_user_id: str | None
    issue_token: Any
    now: Any
    shortcode: Any

    def add_facebook_user(self, name: str = "Sandbox Admin", *, token: str | None = None) -> FacebookUser:
        """Create a Facebook person with a long-lived User token (``EAASBXUSER<id>`` unless given)."""
        user = FacebookUser(self.state.ids.next("fb_user"), name)
        self.state.fb_users[user.id] = user
        scopes = tuple(fb for fb, _ in SCOPES.values() if fb) + (
            "pages_read_engagement",
            "pages_manage_metadata",
        )
        self.issue_token(
            FACEBOOK,
            "USER",
            user.id,
            LONG_LIVED,
            scopes,
            long_lived=True,
            value=token or f"EAASBXUSER{user.id}",
        )
        if self.dialog_fb_user_id is None:
            self.dialog_fb_user_id = user.id
        return user

    def add_page(self, name: str, *, fb_user: FacebookUser | None = None) -> Page:
        """Create a Facebook Page with no Instagram account linked, managed by ``fb_user`` (default: the first)."""
        st = self.state
        if fb_user is None:
            fb_user = next(iter(st.fb_users.values()), None) or self.add_facebook_user()
        page = Page(st.ids.next("page"), name, fb_user.id, "")
        page.access_token = self.issue_token(
            FACEBOOK,
            "PAGE",
            page.id,
            None,
            tuple(st.tokens[self.user_token(fb_user)].scopes),
            long_lived=True,
            value=f"EAASBXPAGE{page.id}",
        ).value
        st.pages[page.id] = page
        fb_user.page_ids.append(page.id)
        return page

    def user_token(self, user: FacebookUser) -> str:
        """Return the first valid User token of a Facebook person."""
        return next(
            t.value
            for t in self.state.tokens.values()
            if t.kind == "USER" and t.subject == user.id and t.flavor == FACEBOOK
        )

    def add_account(
        self,
        username: str,
        *,
        login: str = FACEBOOK,
        followers_count: int = 1200,
        follows_count: int = 150,
        name: str | None = None,
        biography: str = "",
        website: str = "",
        account_type: str = "BUSINESS",
        token: str | None = None,
        fb_user: FacebookUser | None = None,
        page_name: str | None = None,
        call_budget: int = 4800,
        quota_total: int = 50,
        insights: dict[str, Any] | None = None,
        webhooks_subscribed: bool = True,
        scopes: tuple[str, ...] | None = None,
    ) -> Account:
        """Create an Instagram professional account (Facebook or Instagram Login) and its tokens.

        Facebook Login: a Page (token ``EAASBXPAGE<page-id>``, never expires) linked to the account, owned
        by ``fb_user`` (default: one shared "Sandbox Admin" whose User token is ``EAASBXUSER<user-id>``).
        Instagram Login: an Instagram User token ``IGAASBX<ig-user-id>`` (long-lived) and an app-scoped id.
        ``Account.token`` is the token the bot should use.
        """
        if login not in (FACEBOOK, INSTAGRAM):
            raise ValueError("login must be 'facebook' or 'instagram'")
        st = self.state
        acct = Account(
            st.ids.next("ig_user"),
            username,
            login,
            "",
            name=name or username.replace("_", " ").title(),
            biography=biography,
            website=website,
            followers_count=followers_count,
            follows_count=follows_count,
            account_type=account_type,
            call_budget=call_budget,
            quota_total=quota_total,
            insights=dict(insights or {}),
            profile_picture_url=f"https://scontent.cdninstagram.example/p/{username}.jpg",
        )
        if login == FACEBOOK:
            if fb_user is None:
                fb_user = next(iter(st.fb_users.values()), None) or self.add_facebook_user()
            page = Page(
                st.ids.next("page"), page_name or f"{acct.name} Page", fb_user.id, "", acct.ig_user_id
            )
            page.access_token = self.issue_token(
                FACEBOOK,
                "PAGE",
                page.id,
                None,
                tuple(st.tokens[self.user_token(fb_user)].scopes),
                long_lived=True,
                value=f"EAASBXPAGE{page.id}",
            ).value
            if webhooks_subscribed:
                page.subscribed_apps[self.app_id] = ["feed"]
            st.pages[page.id] = page
            fb_user.page_ids.append(page.id)
            acct.page_id, acct.page_token, acct.fb_user_id = page.id, page.access_token, fb_user.id
            if token:
                all_scopes = scopes or st.tokens[self.user_token(fb_user)].scopes
                self.issue_token(
                    FACEBOOK, "USER", fb_user.id, LONG_LIVED, all_scopes, long_lived=True, value=token
                )
            acct.token = token or self.user_token(fb_user)
        else:
            acct.app_scoped_id = st.ids.next("scoped")
            ig_scopes = scopes or tuple(ig for _, ig in SCOPES.values() if ig)
            acct.token = self.issue_token(
                INSTAGRAM,
                "USER",
                acct.ig_user_id,
                LONG_LIVED,
                ig_scopes,
                long_lived=True,
                value=token or f"IGAASBX{acct.ig_user_id}",
            ).value
            if webhooks_subscribed:
                acct.subscribed_fields = ["comments"]
            self.dialog_ig_user_id = acct.ig_user_id
        st.accounts[acct.ig_user_id] = acct
        return acct

    def _account(self, acct: Account | str) -> Account:
        return acct if isinstance(acct, Account) else self.state.accounts[acct]

    def add_media(
        self,
        acct: Account | str,
        *,
        media_type: str = "IMAGE",
        caption: str = "",
        timestamp: float | None = None,
        like_count: int = 0,
        insights: dict[str, Any] | None = None,
        media_product_type: str | None = None,
        children: int = 2,
        shared_to_facebook: bool = False,
        insights_unavailable: bool = False,
        copyrighted: bool = False,
        comments_enabled: bool = True,
        alt_text: str | None = None,
    ) -> Media:
        """Add a published media: IMAGE, VIDEO or CAROUSEL_ALBUM (``media_product_type="STORY"``: a story)."""
        acct = self._account(acct)
        st = self.state
        product = media_product_type or ("REELS" if media_type == "VIDEO" else "FEED")
        mid = st.ids.next("media")
        ext = "mp4" if media_type == "VIDEO" else "jpg"
        media = Media(
            mid,
            acct.ig_user_id,
            media_type,
            product,
            self.now() if timestamp is None else timestamp,
            self.shortcode(),
            caption=caption,
            media_url=""
            if media_type == "CAROUSEL_ALBUM"
            else f"https://scontent.cdninstagram.example/v/{mid}.{ext}",
            thumbnail_url=f"https://scontent.cdninstagram.example/v/{mid}_thumb.jpg"
            if media_type == "VIDEO"
            else None,
            like_count=like_count,
            insights=dict(insights or {}),
            shared_to_facebook=shared_to_facebook,
            insights_unavailable=insights_unavailable,
            copyrighted=copyrighted,
            is_comment_enabled=comments_enabled,
            alt_text=alt_text,
            is_shared_to_feed=True if product == "REELS" else None,
        )
        st.media[mid] = media
        if media_type == "CAROUSEL_ALBUM":
            for _ in range(children):
                kid = Media(
                    st.ids.next("media"),
                    acct.ig_user_id,
                    "IMAGE",
                    "FEED",
                    media.timestamp,
                    self.shortcode(),
                    parent_id=mid,
                )
                kid.media_url = f"https://scontent.cdninstagram.example/v/{kid.id}.jpg"
                st.media[kid.id] = kid
                media.children.append(kid.id)
        return media

    def _igsid(self, username: str) -> str:
        return self.state.igsids.setdefault(username, self.state.ids.next("igsid"))

    def webhook_value(self, comment: Comment, acct: Account | str | None = None) -> dict[str, Any]:
        """Return the ``comments`` change value Meta sends ``acct`` (default: the media's owner) for a comment.

        The same value the webhook carries; for sending a delivery by hand (again, late, or out of order).
        """
        media = self.state.media[comment.media_id]
        return self._comment_value(self._account(acct or media.owner_id), comment, media)

    def _comment_value(self, acct: Account, c: Comment, media: Media) -> dict[str, Any]:
        key = self.fb_comment_id_key if acct.login == FACEBOOK else "id"
        value: dict[str, Any] = {
            "from": {"id": c.from_id, "username": c.username},
            "media": {"id": media.id, "media_product_type": media.media_product_type},
            key: c.id,
            "text": c.text,
        }
        if c.parent_id:
            value["parent_id"] = c.parent_id
        return value

    def new_comment(
        self,
        media_id: str,
        text: str,
        username: str,
        *,
        parent_id: str | None = None,
        by_owner: bool = False,
        deliver: bool = True,
        timestamp: float | None = None,
        like_count: int = 0,
        mentions: Account | None = None,
    ) -> Comment:
        """Store a comment and, when ``deliver``, send the ``comments`` webhook to the media's owner."""
        st = self.state
        media = st.media[media_id]
        c = Comment(
            st.ids.next("comment"),
            media_id,
            text,
            username,
            self._igsid(username),
            self.now() if timestamp is None else timestamp,
            parent_id=parent_id,
            by_owner=by_owner,
            like_count=like_count,
            mentioned_ig_user_id=mentions.ig_user_id if mentions else None,
        )
        st.comments[c.id] = c
        owner = st.accounts.get(media.owner_id)
        if deliver and owner and not owner.is_external and (not by_owner or self.webhook_own_comments):
            self.webhooks.emit(owner, "comments", self._comment_value(owner, c, media))
        return c

    def add_comment(
        self,
        media: Media | str,
        text: str,
        *,
        username: str = "happy_customer",
        parent_id: str | None = None,
        deliver: bool = True,
        timestamp: float | None = None,
        like_count: int = 0,
    ) -> Comment:
        """Add a follower's comment (or reply, with ``parent_id``) and deliver its webhook."""
        media_id = media.id if isinstance(media, Media) else media
        if parent_id and self.state.comments[parent_id].parent_id:
            raise ValueError("replies attach to top-level comments only")
        return self.new_comment(
            media_id,
            text,
            username,
            parent_id=parent_id,
            deliver=deliver,
            timestamp=timestamp,
            like_count=like_count,
        )

    def _external(self, username: str) -> Account:
        existing = self.state.account_by_username(username)
        if existing:
            return existing
        acct = Account(self.state.ids.next("ig_user"), username, "external", "", is_external=True)
        self.state.accounts[acct.ig_user_id] = acct
        return acct

    def add_tag(self, acct: Account | str, *, username: str = "brand_fan", caption: str = "New favourite mug") -> Media:
        """Have another account publish a post that tags ``acct`` (listed by ``GET /{ig-user-id}/tags``)."""
        acct = self._account(acct)
        media = self.add_media(self._external(username), caption=caption, like_count=9)
        media.tagged = (acct.username,)
        return media

    def add_mention(
        self,
        acct: Account | str,
        *,
        username: str = "brand_fan",
        text: str | None = None,
        in_caption: bool = False,
        media: Media | None = None,
        deliver: bool = True,
    ) -> Comment | Media:
        """Mention ``acct`` on someone else's media, in a comment (default) or in the caption.

        Facebook Login gets a ``mentions`` webhook (``comment_id`` + ``media_id``, or ``media_id`` alone);
        Instagram Login gets the comment inside a ``comments`` webhook (caption mentions send nothing).
        Returns the mentioning comment, or the media for a caption mention.
        """
        acct = self._account(acct)
        author = self._external(username)
        handle = f"@{acct.username}"
        if media is None:
            caption = (text or f"Loving my new things from {handle}!") if in_caption else "Weekend vibes"
            media = self.add_media(author, caption=caption, like_count=12)
        if in_caption:
            if deliver and acct.login == FACEBOOK:
                self.webhooks.emit(acct, "mentions", {"media_id": media.id})
            return media
        c = self.new_comment(
            media.id, text or f"{handle} you have to see this!", username, deliver=False, mentions=acct
        )
        if deliver:
            if acct.login == FACEBOOK:
                self.webhooks.emit(acct, "mentions", {"comment_id": c.id, "media_id": media.id})
            else:
                self.webhooks.emit(acct, "comments", self._comment_value(acct, c, media))
        return c
