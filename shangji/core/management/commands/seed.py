"""`shangji seed`: load the demo company once, or add N customers / M opportunities for benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from shangji.demo import loader
from shangji.demo.org import PASSWORD, ensure_org, login_rows
from shangji.org.models import User


class Command(BaseCommand):
    help = "加载演示数据（华信智造集团）；指定 --customers/--opportunities 时在现有数据上追加。"

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=None,
                            help=f"追加的客户数（不带参数时加载演示数据：{loader.DEFAULT_CUSTOMERS} 个客户）")
        parser.add_argument("--opportunities", type=int, default=None,
                            help=f"追加的商机数（不带参数时：{loader.DEFAULT_OPPORTUNITIES} 个商机）")
        parser.add_argument("--batch-size", type=int, default=loader.BATCH_SIZE, help="每批写入的客户/商机数")
        parser.add_argument("--quiet", action="store_true", help="不输出进度与登录信息")

    def handle(self, *args, **options):
        customers, opportunities = options["customers"], options["opportunities"]
        quiet = options["quiet"]
        if customers is None and opportunities is None:
            if User.objects.filter(username="admin").exists():
                if not quiet:
                    self.stdout.write("演示数据已存在（用户 admin 已存在），未做任何修改。"
                                      "如需追加数据，请使用 --customers / --opportunities。")
                    self._print_logins(ensure_org())
                return
            customers, opportunities = loader.DEFAULT_CUSTOMERS, loader.DEFAULT_OPPORTUNITIES
        customers, opportunities = customers or 0, opportunities or 0
        if customers < 0 or opportunities < 0 or options["batch_size"] < 1:
            raise CommandError("--customers、--opportunities 不能为负数，--batch-size 至少为 1。")
        try:
            result = loader.load(customers=customers, opportunities=opportunities, batch_size=options["batch_size"],
                                 report=None if quiet else self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if quiet:
            return
        self.stdout.write(
            f"已写入：客户 {result.customers:,}（其中跨区域重复 {result.duplicates:,}），联系人 {result.contacts:,}，"
            f"互动记录 {result.interactions:,}，协作人 {result.shares:,}，商机 {result.opportunities:,}，"
            f"阶段变更 {result.stage_changes:,}，待办 {result.tasks:,}，规则计时 {result.timers:,}，"
            f"线索 {result.leads:,}；用时 {result.seconds:.1f} 秒。")
        self._print_logins(result.org)

    def _print_logins(self, org) -> None:
        self.stdout.write(f"\n演示账号（密码均为 {PASSWORD}）：")
        rows = [("用户名", "角色", "姓名", "所属组织"), *login_rows(org)]
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            line = "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row))
            self.stdout.write(f"  {line}".rstrip())


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)
